package trials

import (
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
)

// ParseODMDesign reads a study design from the metadata of a CDISC ODM
// 1.3.2 file: the last MetaDataVersion of the first Study (a file that
// carries several versions lists them oldest first; ClinicalData and
// AdminData are ignored).
//
//   - name: GlobalVariables/StudyName, else the MetaDataVersion's Name;
//     oid: the MetaDataVersion's OID
//   - events: the StudyEventDefs in Protocol/StudyEventRef order (else as
//     written), each with its FormRefs
//   - forms: the FormDefs as written, each with the items of its
//     ItemGroupRefs flattened in ItemRef order. An item is required when
//     its ItemRef and its group's ItemGroupRef are both Mandatory="Yes".
//     The step type is what the form OID names by CDASH habit (F.AE ->
//     adverse_event, as the odm recorder reads ClinicalData) when a site
//     records that step, else visit.
//   - items: label from Question/TranslatedText (English or unmarked,
//     else the first), else Name. DataType integer -> integer; float,
//     double -> decimal; date -> date; boolean -> boolean; text, string
//     and the date-time, time, partial-date and URI types -> text (kept
//     as written, with Length); binary types are refused. A CodeListRef
//     makes a choice item of the CodeList's CodeListItems (label: Decode)
//     or EnumeratedItems (label: the code). One MeasurementUnitRef gives
//     the unit's Symbol, else its Name.
//   - bounds: Hard RangeChecks on numbers. GE and LE give the minimum and
//     maximum, EQ both; GT and LT on integers become GE value+1 and LE
//     value-1. Not mapped, and refused with the check's path so that no
//     check is silently dropped: GT and LT on decimals (bounds are
//     inclusive), NE, IN and NOTIN, checks by FormalExpression, and Hard
//     checks on items that are not numbers. Soft checks are warnings in
//     ODM, not limits, and are left out.
//
// A malformed file or unsupported definition is refused with an EINVALID
// error naming the element (InputErrors, one per problem), and the design
// must pass StudyDesign.Validate.
func ParseODMDesign(r io.Reader) (marketplace.StudyDesign, error) {
	raw, err := readODM(r)
	if err != nil {
		return marketplace.StudyDesign{}, err
	}
	var f odmMetaFile
	if err := xml.Unmarshal(raw, &f); err != nil {
		return marketplace.StudyDesign{}, marketplace.Errorf(marketplace.EINVALID, "ODM: %v", err)
	}
	if len(f.Study) == 0 || len(f.Study[0].MetaDataVersion) == 0 {
		return marketplace.StudyDesign{}, marketplace.Errorf(marketplace.EINVALID, "ODM: no Study/MetaDataVersion: the file has no study design.")
	}
	st := f.Study[0]
	mi := len(st.MetaDataVersion)
	dp := &designParser{path: fmt.Sprintf("ODM/Study[1]/MetaDataVersion[%d]", mi), units: map[string]string{}}
	if v := f.ODMVersion; v != "1.3" && !strings.HasPrefix(v, "1.3.") {
		dp.bad("ODM/@ODMVersion", "%q is not an ODM 1.3 version (1.3.2 expected)", v)
	}
	for _, u := range st.Units {
		dp.units[u.OID] = firstNonEmpty(odmText(u.Symbol), u.Name, u.OID)
	}
	d := dp.design(st, st.MetaDataVersion[mi-1])
	if err := dp.errs.Err(); err != nil {
		return marketplace.StudyDesign{}, err
	}
	if err := d.Validate(); err != nil {
		return marketplace.StudyDesign{}, err
	}
	return d, nil
}

// The metadata part of an ODM 1.3.2 file.
type odmMetaFile struct {
	XMLName    xml.Name   `xml:"ODM"`
	ODMVersion string     `xml:"ODMVersion,attr"`
	Study      []odmStudy `xml:"Study"`
}

type odmStudy struct {
	OID             string               `xml:"OID,attr"`
	StudyName       string               `xml:"GlobalVariables>StudyName"`
	Units           []odmMeasurementUnit `xml:"BasicDefinitions>MeasurementUnit"`
	MetaDataVersion []odmMetaDataVersion `xml:"MetaDataVersion"`
}

type odmMeasurementUnit struct {
	OID    string              `xml:"OID,attr"`
	Name   string              `xml:"Name,attr"`
	Symbol []odmTranslatedText `xml:"Symbol>TranslatedText"`
}

type odmTranslatedText struct {
	Lang string `xml:"lang,attr"`
	Text string `xml:",chardata"`
}

type odmMetaDataVersion struct {
	OID            string             `xml:"OID,attr"`
	Name           string             `xml:"Name,attr"`
	Include        *odmRef            `xml:"Include"`
	StudyEventRefs []odmRef           `xml:"Protocol>StudyEventRef"`
	StudyEventDefs []odmStudyEventDef `xml:"StudyEventDef"`
	FormDefs       []odmFormDef       `xml:"FormDef"`
	ItemGroupDefs  []odmItemGroupDef  `xml:"ItemGroupDef"`
	ItemDefs       []odmItemDef       `xml:"ItemDef"`
	CodeLists      []odmCodeList      `xml:"CodeList"`
}

// odmRef is a StudyEventRef, FormRef, ItemGroupRef, ItemRef or Include:
// whichever OID attribute the element has is set.
type odmRef struct {
	StudyEventOID string `xml:"StudyEventOID,attr"`
	FormOID       string `xml:"FormOID,attr"`
	ItemGroupOID  string `xml:"ItemGroupOID,attr"`
	ItemOID       string `xml:"ItemOID,attr"`
	OrderNumber   string `xml:"OrderNumber,attr"`
	Mandatory     string `xml:"Mandatory,attr"`
}

type odmStudyEventDef struct {
	OID      string   `xml:"OID,attr"`
	Name     string   `xml:"Name,attr"`
	FormRefs []odmRef `xml:"FormRef"`
}

type odmFormDef struct {
	OID           string   `xml:"OID,attr"`
	Name          string   `xml:"Name,attr"`
	ItemGroupRefs []odmRef `xml:"ItemGroupRef"`
}

type odmItemGroupDef struct {
	OID      string   `xml:"OID,attr"`
	Name     string   `xml:"Name,attr"`
	ItemRefs []odmRef `xml:"ItemRef"`
}

type odmItemDef struct {
	OID      string              `xml:"OID,attr"`
	Name     string              `xml:"Name,attr"`
	DataType string              `xml:"DataType,attr"`
	Length   string              `xml:"Length,attr"`
	Question []odmTranslatedText `xml:"Question>TranslatedText"`
	UnitRefs []struct {
		OID string `xml:"MeasurementUnitOID,attr"`
	} `xml:"MeasurementUnitRef"`
	RangeChecks []odmRangeCheck `xml:"RangeCheck"`
	CodeListRef *struct {
		OID string `xml:"CodeListOID,attr"`
	} `xml:"CodeListRef"`
}

type odmRangeCheck struct {
	Comparator        string   `xml:"Comparator,attr"`
	SoftHard          string   `xml:"SoftHard,attr"`
	CheckValues       []string `xml:"CheckValue"`
	FormalExpressions []string `xml:"FormalExpression"`
}

type odmCodeList struct {
	OID   string `xml:"OID,attr"`
	Items []struct {
		CodedValue string              `xml:"CodedValue,attr"`
		Decode     []odmTranslatedText `xml:"Decode>TranslatedText"`
	} `xml:"CodeListItem"`
	Enumerated []struct {
		CodedValue string `xml:"CodedValue,attr"`
	} `xml:"EnumeratedItem"`
}

// odmText returns the English (or unmarked) text of a TranslatedText list,
// else the first, trimmed.
func odmText(ts []odmTranslatedText) string {
	for _, t := range ts {
		if l := strings.ToLower(t.Lang); l == "" || l == "en" || strings.HasPrefix(l, "en-") {
			return strings.TrimSpace(t.Text)
		}
	}
	if len(ts) > 0 {
		return strings.TrimSpace(ts[0].Text)
	}
	return ""
}

// designParser collects the problems of one MetaDataVersion.
type designParser struct {
	path  string            // of the MetaDataVersion
	units map[string]string // MeasurementUnit OID -> symbol
	errs  InputErrors
}

func (dp *designParser) bad(path, format string, args ...any) {
	dp.errs = append(dp.errs, InputError{path, fmt.Sprintf(format, args...)})
}

// at is the path of the element of kind with oid in the MetaDataVersion.
func (dp *designParser) at(kind, oid string) string {
	return fmt.Sprintf("%s/%s[@OID=%s]", dp.path, kind, oid)
}

// design reads the MetaDataVersion mdv of study st.
func (dp *designParser) design(st odmStudy, mdv odmMetaDataVersion) marketplace.StudyDesign {
	if mdv.Include != nil {
		dp.bad(dp.path+"/Include", "definitions included from a prior MetaDataVersion are not supported: export the whole version")
	}
	d := marketplace.StudyDesign{OID: mdv.OID, Name: firstNonEmpty(strings.TrimSpace(st.StudyName), mdv.Name, st.OID)}
	events := map[string]odmStudyEventDef{}
	for _, e := range mdv.StudyEventDefs {
		events[e.OID] = e
	}
	order := mdv.StudyEventDefs
	if len(mdv.StudyEventRefs) > 0 {
		order = nil
		for _, ref := range ordered(mdv.StudyEventRefs) {
			e, ok := events[ref.StudyEventOID]
			if !ok {
				dp.bad(dp.path+"/Protocol/StudyEventRef[@StudyEventOID="+ref.StudyEventOID+"]", "no StudyEventDef %s", ref.StudyEventOID)
				continue
			}
			order = append(order, e)
		}
	}
	for _, e := range order {
		ev := marketplace.EventDef{OID: e.OID, Name: firstNonEmpty(e.Name, e.OID)}
		for _, fr := range ordered(e.FormRefs) {
			ev.Forms = append(ev.Forms, fr.FormOID)
		}
		d.Events = append(d.Events, ev)
	}
	groups := map[string]odmItemGroupDef{}
	for _, g := range mdv.ItemGroupDefs {
		groups[g.OID] = g
	}
	items := map[string]odmItemDef{}
	for _, it := range mdv.ItemDefs {
		items[it.OID] = it
	}
	codeLists := map[string]odmCodeList{}
	for _, cl := range mdv.CodeLists {
		codeLists[cl.OID] = cl
	}
	for _, fd := range mdv.FormDefs {
		form := marketplace.FormDef{OID: fd.OID, Name: firstNonEmpty(fd.Name, fd.OID)}
		if t, ok := oidStepType(fd.OID); ok && marketplace.RoleCoordinator.Allows(t, marketplace.MeaningAuthored) {
			form.Step = t
		}
		for _, gr := range ordered(fd.ItemGroupRefs) {
			g, ok := groups[gr.ItemGroupOID]
			if !ok {
				dp.bad(dp.at("FormDef", fd.OID)+"/ItemGroupRef[@ItemGroupOID="+gr.ItemGroupOID+"]", "no ItemGroupDef %s", gr.ItemGroupOID)
				continue
			}
			for _, ir := range ordered(g.ItemRefs) {
				idef, ok := items[ir.ItemOID]
				if !ok {
					dp.bad(dp.at("ItemGroupDef", g.OID)+"/ItemRef[@ItemOID="+ir.ItemOID+"]", "no ItemDef %s", ir.ItemOID)
					continue
				}
				it := dp.item(idef, codeLists)
				it.Required = ir.Mandatory == "Yes" && gr.Mandatory == "Yes"
				form.Items = append(form.Items, it)
			}
		}
		d.Forms = append(d.Forms, form)
	}
	return d
}

// ordered returns refs by OrderNumber when every one has one, else as
// written.
func ordered(refs []odmRef) []odmRef {
	n := make([]int, len(refs))
	for i, r := range refs {
		v, err := strconv.Atoi(r.OrderNumber)
		if err != nil {
			return refs
		}
		n[i] = v
	}
	idx := make([]int, len(refs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return n[idx[a]] < n[idx[b]] })
	out := make([]odmRef, len(refs))
	for i, j := range idx {
		out[i] = refs[j]
	}
	return out
}

// odmItemTypes maps ODM DataTypes to item types.
var odmItemTypes = map[string]marketplace.ItemType{
	"integer": marketplace.ItemInteger, "float": marketplace.ItemDecimal, "double": marketplace.ItemDecimal,
	"date": marketplace.ItemDate, "boolean": marketplace.ItemBoolean, "text": marketplace.ItemText,
	"string": marketplace.ItemText, "time": marketplace.ItemText, "datetime": marketplace.ItemText,
	"partialDate": marketplace.ItemText, "partialTime": marketplace.ItemText, "partialDatetime": marketplace.ItemText,
	"incompleteDatetime": marketplace.ItemText, "durationDatetime": marketplace.ItemText,
	"intervalDatetime": marketplace.ItemText, "URI": marketplace.ItemText,
}

// item reads one ItemDef.
func (dp *designParser) item(d odmItemDef, codeLists map[string]odmCodeList) marketplace.ItemDef {
	path := dp.at("ItemDef", d.OID)
	it := marketplace.ItemDef{OID: d.OID, Label: firstNonEmpty(odmText(d.Question), d.Name, d.OID)}
	t, ok := odmItemTypes[d.DataType]
	if !ok {
		dp.bad(path+"/@DataType", "%q is not a supported DataType (integer, float, double, date, boolean, text, string, or a date-time type kept as text)", d.DataType)
	}
	it.Type = t
	if d.Length != "" && t == marketplace.ItemText {
		n, err := strconv.Atoi(d.Length)
		if err != nil || n <= 0 {
			dp.bad(path+"/@Length", "%q is not a positive whole number", d.Length)
		}
		it.Length = n
	}
	switch len(d.UnitRefs) {
	case 0:
	case 1:
		u, ok := dp.units[d.UnitRefs[0].OID]
		if !ok {
			dp.bad(path+"/MeasurementUnitRef", "MeasurementUnitOID %q has no MeasurementUnit in BasicDefinitions", d.UnitRefs[0].OID)
		}
		it.Unit = u
	default:
		dp.bad(path, "%d MeasurementUnitRefs: one unit per item is supported", len(d.UnitRefs))
	}
	if d.CodeListRef != nil {
		it.Type, it.Length = marketplace.ItemChoice, 0
		it.Choices = dp.choices(path, d.CodeListRef.OID, codeLists)
	}
	for i, rc := range d.RangeChecks {
		dp.rangeCheck(fmt.Sprintf("%s/RangeCheck[%d]", path, i+1), rc, &it)
	}
	return it
}

// choices returns the codes of code list oid.
func (dp *designParser) choices(path, oid string, codeLists map[string]odmCodeList) []marketplace.Choice {
	cl, ok := codeLists[oid]
	if !ok {
		dp.bad(path+"/CodeListRef", "CodeListOID %q has no CodeList", oid)
		return nil
	}
	var cs []marketplace.Choice
	for _, c := range cl.Items {
		cs = append(cs, marketplace.Choice{Code: c.CodedValue, Label: firstNonEmpty(odmText(c.Decode), c.CodedValue)})
	}
	for _, c := range cl.Enumerated {
		cs = append(cs, marketplace.Choice{Code: c.CodedValue, Label: c.CodedValue})
	}
	if len(cs) == 0 {
		dp.bad(dp.at("CodeList", oid), "no CodeListItem or EnumeratedItem")
	}
	return cs
}

// rangeCheck narrows it's bounds by one RangeCheck (see ParseODMDesign
// for what is mapped).
func (dp *designParser) rangeCheck(path string, rc odmRangeCheck, it *marketplace.ItemDef) {
	if rc.SoftHard == "Soft" {
		return
	}
	number := it.Type == marketplace.ItemInteger || it.Type == marketplace.ItemDecimal
	switch {
	case !number:
		dp.bad(path, "a Hard range check on a %s item is not supported (only on integer and float items)", it.Type)
		return
	case len(rc.CheckValues) != 1:
		dp.bad(path, "one CheckValue expected, %d given (FormalExpression checks are not supported)", len(rc.CheckValues))
		return
	}
	v := strings.TrimSpace(rc.CheckValues[0])
	r, ok := new(big.Rat).SetString(v)
	if !ok {
		dp.bad(path+"/CheckValue", "%q is not a number", v)
		return
	}
	integer := it.Type == marketplace.ItemInteger
	if integer && !r.IsInt() {
		dp.bad(path+"/CheckValue", "%q is not a whole number, and the item is an integer", v)
		return
	}
	one := big.NewRat(1, 1)
	switch rc.Comparator {
	case "GE":
		it.Min = tighter(it.Min, r, 1)
	case "LE":
		it.Max = tighter(it.Max, r, -1)
	case "EQ":
		it.Min, it.Max = tighter(it.Min, r, 1), tighter(it.Max, r, -1)
	case "GT", "LT":
		if !integer {
			dp.bad(path, "%s on a float item cannot be kept: bounds are inclusive; use GE or LE", rc.Comparator)
			return
		}
		if rc.Comparator == "GT" {
			it.Min = tighter(it.Min, new(big.Rat).Add(r, one), 1)
		} else {
			it.Max = tighter(it.Max, new(big.Rat).Sub(r, one), -1)
		}
	default:
		dp.bad(path+"/@Comparator", "%q is not supported (GE, LE, GT, LT, EQ)", rc.Comparator)
	}
}

// tighter returns the tighter of bound b and r: the larger for a minimum
// (dir 1), the smaller for a maximum (dir -1).
func tighter(b *string, r *big.Rat, dir int) *string {
	if b != nil {
		if cur, ok := new(big.Rat).SetString(*b); ok && cur.Cmp(r)*dir >= 0 {
			return b
		}
	}
	s := r.RatString()
	if !r.IsInt() {
		s = r.FloatString(decimals(r))
	}
	return &s
}

// decimals is how many decimal places r needs (it came from decimal
// text, so its denominator divides a power of ten).
func decimals(r *big.Rat) int {
	d := new(big.Int).Set(r.Denom())
	ten := big.NewInt(10)
	n := 0
	for d.Cmp(big.NewInt(1)) != 0 && n < 40 {
		g := new(big.Int).GCD(nil, nil, d, ten)
		if g.Cmp(big.NewInt(1)) == 0 {
			break
		}
		d.Quo(d, g)
		n++
	}
	return n
}
