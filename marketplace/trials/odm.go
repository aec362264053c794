package trials

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// ODMRecorder reads CDISC ODM 1.3.2 XML (https://www.cdisc.org/standards/data-exchange/odm):
// every FormData of the ClinicalData becomes one step.
//
//   - type: the config's "type.<FormOID>" or "type.<StudyEventOID>", else
//     what the form or event OID names by CDASH habit (AE, SAE, IC/ICF/CONSENT,
//     IE/ELIG/SCR, ENR, RAND, DV, WD, UNBLIND, LOCK), else "default_type"
//     (default visit)
//   - subject: SubjectData/@SubjectKey (pseudonymized by the service)
//   - data: study, study event, form (OIDs and repeat keys), site
//     (LocationRef) and the items: {"items": {"IG.OID": {"IT.OID": "value"}}},
//     with item-level audit records under "item_audit"
//   - who / when / why: the innermost AuditRecord (FormData, then
//     StudyEventData, then SubjectData, then the first item's): UserRef/@UserOID
//     is the source actor, DateTimeStamp the source time, ReasonForChange
//     the reason. (User names in AdminData are never copied: they identify
//     people.)
//   - meaning: the innermost Signature's SignatureRef/@SignatureOID, looked
//     up in AdminData/SignatureDef/Meaning ("Approved..." -> approved,
//     "Reviewed"/"Verified" -> reviewed, else authored); config
//     "default_meaning" for forms without a signature.
//   - corrections: a form whose TransactionType (its own or inherited) is
//     Update corrects the latest entry with the same record key
//     (study/subject/event[repeat]/form[repeat]) when there is one; Remove
//     must correct one.
//
// A malformed file is refused with the element path of the problem, e.g.
// ODM/ClinicalData[1]/SubjectData[2]/StudyEventData[1]/FormData[1]/AuditRecord/DateTimeStamp.
type ODMRecorder struct{}

// Name implements Recorder.
func (ODMRecorder) Name() string { return "odm" }

type odmFile struct {
	XMLName      xml.Name          `xml:"ODM"`
	ODMVersion   string            `xml:"ODMVersion,attr"`
	FileType     string            `xml:"FileType,attr"`
	AdminData    []odmAdminData    `xml:"AdminData"`
	ClinicalData []odmClinicalData `xml:"ClinicalData"`
}

type odmAdminData struct {
	SignatureDefs []struct {
		OID     string `xml:"OID,attr"`
		Meaning string `xml:"Meaning"`
	} `xml:"SignatureDef"`
}

type odmClinicalData struct {
	StudyOID           string           `xml:"StudyOID,attr"`
	MetaDataVersionOID string           `xml:"MetaDataVersionOID,attr"`
	SubjectData        []odmSubjectData `xml:"SubjectData"`
}

type odmSubjectData struct {
	SubjectKey      string              `xml:"SubjectKey,attr"`
	TransactionType string              `xml:"TransactionType,attr"`
	AuditRecord     *odmAuditRecord     `xml:"AuditRecord"`
	Signature       *odmSignature       `xml:"Signature"`
	SiteRef         *odmLocationRef     `xml:"SiteRef"`
	StudyEventData  []odmStudyEventData `xml:"StudyEventData"`
}

type odmStudyEventData struct {
	StudyEventOID       string          `xml:"StudyEventOID,attr"`
	StudyEventRepeatKey string          `xml:"StudyEventRepeatKey,attr"`
	TransactionType     string          `xml:"TransactionType,attr"`
	AuditRecord         *odmAuditRecord `xml:"AuditRecord"`
	Signature           *odmSignature   `xml:"Signature"`
	FormData            []odmFormData   `xml:"FormData"`
}

type odmFormData struct {
	FormOID         string             `xml:"FormOID,attr"`
	FormRepeatKey   string             `xml:"FormRepeatKey,attr"`
	TransactionType string             `xml:"TransactionType,attr"`
	AuditRecord     *odmAuditRecord    `xml:"AuditRecord"`
	Signature       *odmSignature      `xml:"Signature"`
	ItemGroupData   []odmItemGroupData `xml:"ItemGroupData"`
}

type odmItemGroupData struct {
	ItemGroupOID       string          `xml:"ItemGroupOID,attr"`
	ItemGroupRepeatKey string          `xml:"ItemGroupRepeatKey,attr"`
	TransactionType    string          `xml:"TransactionType,attr"`
	AuditRecord        *odmAuditRecord `xml:"AuditRecord"`
	ItemData           []odmItemData   `xml:"ItemData"`
}

type odmItemData struct {
	ItemOID         string          `xml:"ItemOID,attr"`
	Value           *string         `xml:"Value,attr"`
	IsNull          string          `xml:"IsNull,attr"`
	TransactionType string          `xml:"TransactionType,attr"`
	AuditRecord     *odmAuditRecord `xml:"AuditRecord"`
}

type odmAuditRecord struct {
	UserRef         *odmUserRef     `xml:"UserRef"`
	LocationRef     *odmLocationRef `xml:"LocationRef"`
	DateTimeStamp   string          `xml:"DateTimeStamp"`
	ReasonForChange string          `xml:"ReasonForChange"`
	SourceID        string          `xml:"SourceID"`
}

type odmSignature struct {
	UserRef      *odmUserRef `xml:"UserRef"`
	SignatureRef *struct {
		SignatureOID string `xml:"SignatureOID,attr"`
	} `xml:"SignatureRef"`
	DateTimeStamp string `xml:"DateTimeStamp"`
}

type odmUserRef struct {
	UserOID string `xml:"UserOID,attr"`
}

type odmLocationRef struct {
	LocationOID string `xml:"LocationOID,attr"`
}

// audit is an AuditRecord read and checked.
type audit struct {
	Actor  string
	At     *time.Time
	Reason string
	Site   string
}

// odmParser collects the problems of one file.
type odmParser struct {
	cfg     RecorderConfig
	sigDefs map[string]string // SignatureDef OID -> Meaning text
	errs    InputErrors
}

func (p *odmParser) bad(path, format string, args ...any) {
	p.errs = append(p.errs, InputError{path, fmt.Sprintf(format, args...)})
}

// Parse implements Recorder.
func (ODMRecorder) Parse(ctx context.Context, r io.Reader, cfg RecorderConfig) ([]StepInput, error) {
	raw, err := readODM(r)
	if err != nil {
		return nil, err
	}
	var f odmFile
	if err := xml.Unmarshal(raw, &f); err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "ODM: %v", err)
	}
	p := &odmParser{cfg: cfg, sigDefs: map[string]string{}}
	if v := f.ODMVersion; v != "1.3" && !strings.HasPrefix(v, "1.3.") {
		p.bad("ODM/@ODMVersion", "%q is not an ODM 1.3 version (1.3.2 expected)", v)
	}
	for i, ad := range f.AdminData {
		for j, sd := range ad.SignatureDefs {
			if sd.OID == "" {
				p.bad(fmt.Sprintf("ODM/AdminData[%d]/SignatureDef[%d]", i+1, j+1), "OID missing")
				continue
			}
			p.sigDefs[sd.OID] = sd.Meaning
		}
	}
	if len(f.ClinicalData) == 0 {
		p.bad("ODM", "no ClinicalData element: nothing to record")
	}
	var out []StepInput
	for ci, cd := range f.ClinicalData {
		cpath := fmt.Sprintf("ODM/ClinicalData[%d]", ci+1)
		if cd.StudyOID == "" {
			p.bad(cpath, "StudyOID missing")
		}
		for si, sd := range cd.SubjectData {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			spath := fmt.Sprintf("%s/SubjectData[%d]", cpath, si+1)
			if strings.TrimSpace(sd.SubjectKey) == "" {
				p.bad(spath, "SubjectKey missing")
			}
			sAudit := p.audit(spath, sd.AuditRecord)
			sSig := p.signature(spath, sd.Signature)
			site := ""
			if sd.SiteRef != nil {
				site = sd.SiteRef.LocationOID
			}
			if len(sd.StudyEventData) == 0 {
				p.bad(spath, "no StudyEventData")
			}
			for ei, ev := range sd.StudyEventData {
				epath := fmt.Sprintf("%s/StudyEventData[%d]", spath, ei+1)
				if ev.StudyEventOID == "" {
					p.bad(epath, "StudyEventOID missing")
				}
				eAudit := p.audit(epath, ev.AuditRecord)
				eSig := p.signature(epath, ev.Signature)
				for fi, fd := range ev.FormData {
					fpath := fmt.Sprintf("%s/FormData[%d]", epath, fi+1)
					if in, ok := p.form(fpath, cd, sd, ev, fd, site, []*audit{sAudit, eAudit}, []string{sSig, eSig}); ok {
						out = append(out, in)
					}
				}
			}
		}
	}
	if err := p.errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// form turns one FormData into a step input.
func (p *odmParser) form(path string, cd odmClinicalData, sd odmSubjectData, ev odmStudyEventData, fd odmFormData,
	site string, outer []*audit, outerSigs []string) (StepInput, bool) {
	nerr := len(p.errs)
	if fd.FormOID == "" {
		p.bad(path, "FormOID missing")
	}
	fAudit := p.audit(path, fd.AuditRecord)
	fSig := p.signature(path, fd.Signature)
	fi := p.readItems(path, fd)

	// The innermost audit record and signature apply.
	au := firstAudit(fAudit, outer[1], outer[0], fi.firstAudit)
	meaning := firstNonEmpty(fSig, outerSigs[1], outerSigs[0])
	if meaning == "" {
		meaning = p.cfg["default_meaning"]
	}

	tx := firstNonEmpty(fd.TransactionType, ev.TransactionType, sd.TransactionType)
	switch tx {
	case "", "Insert", "Update", "Remove", "Upsert", "Context":
	default:
		p.bad(path, "TransactionType %q is not Insert, Update, Remove, Upsert or Context", tx)
	}
	if len(p.errs) > nerr {
		return StepInput{}, false
	}

	key := formKey(cd, sd, ev, fd)
	data := formData(cd, ev, fd, fi, tx)
	in := StepInput{
		Ref: path, Type: p.stepType(fd.FormOID, ev.StudyEventOID), Subject: strings.TrimSpace(sd.SubjectKey), Meaning: meaning,
		Source: marketplace.StepSource{Recorder: "odm", Ref: path, Key: key},
	}
	if au != nil {
		in.Source.Actor, in.Source.At, in.Reason = au.Actor, au.At, au.Reason
		if au.Site != "" && site == "" {
			site = au.Site
		}
	}
	if site != "" {
		data["site"] = site
	}
	switch tx {
	case "Update":
		in.UpdateOf = key
	case "Remove":
		in.CorrectsKey = key
		data["removed"] = true
	}
	b, err := json.Marshal(data)
	if err != nil {
		p.bad(path, "data cannot be encoded: %v", err)
		return StepInput{}, false
	}
	in.Data = b
	return in, true
}

// firstAudit returns the first audit record that is there.
func firstAudit(as ...*audit) *audit {
	for _, a := range as {
		if a != nil {
			return a
		}
	}
	return nil
}

// formKey is the record key of a form: study, subject, event and form, with
// their repeat keys. A later Update or Remove of the form names it.
func formKey(cd odmClinicalData, sd odmSubjectData, ev odmStudyEventData, fd odmFormData) string {
	key := cd.StudyOID + "/" + sd.SubjectKey + "/" + ev.StudyEventOID
	if ev.StudyEventRepeatKey != "" {
		key += "[" + ev.StudyEventRepeatKey + "]"
	}
	key += "/" + fd.FormOID
	if fd.FormRepeatKey != "" {
		key += "[" + fd.FormRepeatKey + "]"
	}
	return key
}

// formData is the step's data: where the form sits in the study, its items
// and their audit records, and its transaction type.
func formData(cd odmClinicalData, ev odmStudyEventData, fd odmFormData, fi formItems, tx string) map[string]any {
	data := map[string]any{"study": cd.StudyOID, "study_event": ev.StudyEventOID, "form": fd.FormOID, "items": fi.items}
	if cd.MetaDataVersionOID != "" {
		data["metadata_version"] = cd.MetaDataVersionOID
	}
	if ev.StudyEventRepeatKey != "" {
		data["study_event_repeat"] = ev.StudyEventRepeatKey
	}
	if fd.FormRepeatKey != "" {
		data["form_repeat"] = fd.FormRepeatKey
	}
	if len(fi.audit) > 0 {
		data["item_audit"] = fi.audit
	}
	if tx != "" {
		data["transaction"] = tx
	}
	return data
}

// formItems are a form's item values by group key ("OID" or
// "OID[repeat]") and item OID, with the items' audit records by
// "group/item".
type formItems struct {
	items      map[string]map[string]any
	audit      map[string]any
	firstAudit *audit // of the first group or item that has one
}

// readItems reads the item groups of fd.
func (p *odmParser) readItems(path string, fd odmFormData) formItems {
	fi := formItems{items: map[string]map[string]any{}, audit: map[string]any{}}
	for gi, g := range fd.ItemGroupData {
		gpath := fmt.Sprintf("%s/ItemGroupData[%d]", path, gi+1)
		if g.ItemGroupOID == "" {
			p.bad(gpath, "ItemGroupOID missing")
			continue
		}
		gkey := g.ItemGroupOID
		if g.ItemGroupRepeatKey != "" {
			gkey += "[" + g.ItemGroupRepeatKey + "]"
		}
		if ga := p.audit(gpath, g.AuditRecord); ga != nil && fi.firstAudit == nil {
			fi.firstAudit = ga
		}
		group := fi.items[gkey]
		if group == nil {
			group = map[string]any{}
			fi.items[gkey] = group
		}
		for ii, it := range g.ItemData {
			p.item(fmt.Sprintf("%s/ItemData[%d]", gpath, ii+1), gkey, it, group, &fi)
		}
	}
	return fi
}

// item reads one ItemData of group gkey into group and its audit record
// into fi.
func (p *odmParser) item(ipath, gkey string, it odmItemData, group map[string]any, fi *formItems) {
	if it.ItemOID == "" {
		p.bad(ipath, "ItemOID missing")
		return
	}
	switch {
	case it.Value != nil:
		group[it.ItemOID] = *it.Value
	case it.IsNull == "Yes":
		group[it.ItemOID] = nil
	case it.TransactionType == "Remove":
		group[it.ItemOID] = nil
	default:
		p.bad(ipath, "Value missing (and IsNull is not Yes)")
	}
	ia := p.audit(ipath, it.AuditRecord)
	if ia == nil {
		return
	}
	if fi.firstAudit == nil {
		fi.firstAudit = ia
	}
	rec := map[string]any{}
	if ia.Actor != "" {
		rec["user"] = ia.Actor
	}
	if ia.At != nil {
		rec["at"] = ia.At.Format(time.RFC3339Nano)
	}
	if ia.Reason != "" {
		rec["reason"] = ia.Reason
	}
	fi.audit[gkey+"/"+it.ItemOID] = rec
}

// audit reads the AuditRecord under path, nil when there is none.
func (p *odmParser) audit(path string, ar *odmAuditRecord) *audit {
	if ar == nil {
		return nil
	}
	path += "/AuditRecord"
	a := &audit{Reason: strings.TrimSpace(ar.ReasonForChange)}
	if ar.UserRef != nil {
		a.Actor = ar.UserRef.UserOID
		if a.Actor == "" {
			p.bad(path+"/UserRef", "UserOID missing")
		}
	} else {
		p.bad(path, "UserRef missing (ODM requires who made the change)")
	}
	if ar.LocationRef != nil {
		a.Site = ar.LocationRef.LocationOID
	}
	if s := strings.TrimSpace(ar.DateTimeStamp); s == "" {
		p.bad(path, "DateTimeStamp missing (ODM requires when the change was made)")
	} else if t, err := parseSourceTime(s); err != nil {
		p.bad(path+"/DateTimeStamp", "%q is not an ISO 8601 date-time", s)
	} else {
		a.At = &t
	}
	return a
}

// signature returns the signature meaning of sig under path ("" for none).
func (p *odmParser) signature(path string, sig *odmSignature) string {
	if sig == nil {
		return ""
	}
	path += "/Signature"
	if sig.SignatureRef == nil || sig.SignatureRef.SignatureOID == "" {
		p.bad(path, "SignatureRef/@SignatureOID missing")
		return ""
	}
	text, ok := p.sigDefs[sig.SignatureRef.SignatureOID]
	if !ok {
		p.bad(path+"/SignatureRef", "SignatureOID %q has no SignatureDef in AdminData", sig.SignatureRef.SignatureOID)
		return ""
	}
	return string(odmMeaning(text))
}

// odmMeaning maps a SignatureDef's Meaning text to a signature meaning.
func odmMeaning(text string) marketplace.SignatureMeaning {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "approv"):
		return marketplace.MeaningApproved
	case strings.Contains(t, "review"), strings.Contains(t, "verif"):
		return marketplace.MeaningReviewed
	}
	return marketplace.MeaningAuthored
}

// odmTypeWords are OID words that name a step type by CDASH habit.
var odmTypeWords = map[string]marketplace.StepType{
	"AE": marketplace.StepAdverseEvent, "SAE": marketplace.StepSeriousAdverseEvent,
	"IC": marketplace.StepConsent, "ICF": marketplace.StepConsent, "CONSENT": marketplace.StepConsent,
	"RECONSENT": marketplace.StepReconsent, "IE": marketplace.StepScreening, "ELIG": marketplace.StepScreening,
	"SCR": marketplace.StepScreening, "SCREENING": marketplace.StepScreening,
	"ENR": marketplace.StepEnrolment, "ENROL": marketplace.StepEnrolment, "ENROLMENT": marketplace.StepEnrolment,
	"ENROLLMENT": marketplace.StepEnrolment, "RAND": marketplace.StepRandomization,
	"RANDOMIZATION": marketplace.StepRandomization, "RANDOMISATION": marketplace.StepRandomization,
	"DV": marketplace.StepDeviation, "DEVIATION": marketplace.StepDeviation, "WD": marketplace.StepWithdrawal,
	"WITHDRAWAL": marketplace.StepWithdrawal, "UNBLIND": marketplace.StepUnblinding,
	"UNBLINDING": marketplace.StepUnblinding, "LOCK": marketplace.StepDatabaseLock,
}

func (p *odmParser) stepType(formOID, eventOID string) string {
	for _, oid := range []string{formOID, eventOID} {
		if t := p.cfg["type."+oid]; t != "" {
			return t
		}
	}
	for _, oid := range []string{formOID, eventOID} {
		if t, ok := oidStepType(oid); ok {
			return string(t)
		}
	}
	if t := p.cfg["default_type"]; t != "" {
		return t
	}
	return string(marketplace.StepVisit)
}

// oidStepType returns the step type a word of oid names by CDASH habit
// (odmTypeWords), if one does.
func oidStepType(oid string) (marketplace.StepType, bool) {
	words := strings.FieldsFunc(strings.ToUpper(oid), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
	for _, w := range words {
		if t, ok := odmTypeWords[w]; ok {
			return t, true
		}
	}
	return "", false
}

// readODM reads at most MaxImportSize of an ODM file and checks that it is
// well-formed XML with an ODM root.
func readODM(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxImportSize+1))
	if err != nil {
		return nil, fmt.Errorf("read ODM: %w", err)
	}
	if len(raw) > MaxImportSize {
		return nil, marketplace.Errorf(marketplace.EINVALID, "ODM: the file is larger than %d MiB.", MaxImportSize>>20)
	}
	if err := odmWellFormed(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// odmWellFormed reads the XML through once, so that a syntax error is
// reported with its line and the path of the element it is in.
func odmWellFormed(raw []byte) error {
	d := xml.NewDecoder(bytes.NewReader(raw))
	var path []string
	counts := []map[string]int{{}}
	sawRoot := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !sawRoot {
				return marketplace.Errorf(marketplace.EINVALID, "ODM: the file has no XML element.")
			}
			return nil
		}
		if err != nil {
			where := "the document"
			if len(path) > 0 {
				where = strings.Join(path, "/")
			}
			line, _ := d.InputPos()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
				err = errors.New(se.Msg)
			}
			return marketplace.Errorf(marketplace.EINVALID, "ODM: XML error at line %d in %s: %v", line, where, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !sawRoot {
				sawRoot = true
				if t.Name.Local != "ODM" {
					return marketplace.Errorf(marketplace.EINVALID, "ODM: the root element is %s, not ODM.", t.Name.Local)
				}
			}
			if len(path) > 64 {
				return marketplace.Errorf(marketplace.EINVALID, "ODM: elements nested deeper than 64 in %s.", strings.Join(path, "/"))
			}
			c := counts[len(counts)-1]
			c[t.Name.Local]++
			name := t.Name.Local
			if len(path) > 0 {
				name = fmt.Sprintf("%s[%d]", name, c[t.Name.Local])
			}
			path = append(path, name)
			counts = append(counts, map[string]int{})
		case xml.EndElement:
			path = path[:len(path)-1]
			counts = counts[:len(counts)-1]
		}
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
