package trials

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
)

// ApplyDesign maps what a recorder read onto the items of the trial's
// study design d, version n (0: the trial has no design yet), after
// parsing and before recording: recorders only parse, and the app, which
// knows the trial, passes its design here. Each step's data becomes the
// design's FormData shape, {"design":n,"event":..,"form":..,"items":{OID:
// typed value}}, every value typed and range-checked by ItemDef.Parse.
//
//   - odm: every FormData. Its form must be in the design (and, when the
//     design has events, in its study event); its ItemData, from all its
//     item groups, must be items of the form, one value each; IsNull
//     items are unanswered; required items must be answered unless the
//     form is an Update (which may carry only what changed) or a Remove.
//     The recorder's other keys (study, site, item_audit, transaction,
//     repeat keys, removed) stay in the data beside the FormData ones.
//   - csv with the mapping's form=FORMOID (and optional event=EVENTOID):
//     every data column is an item OID of that form (case aside; use the
//     mapping's data key to leave other columns out).
//   - any other input is left as it is.
//
// Problems are InputErrors naming the element path or row and column and
// the item, e.g.
// ODM/ClinicalData[1]/SubjectData[1]/StudyEventData[1]/FormData[2]/ItemGroupData[@ItemGroupOID=IG.VS]/ItemData[@ItemOID=VS.SYSBP]:
// Systolic blood pressure: 400 mmHg is above the maximum 250 mmHg.
// Inputs are changed in place only when there is no problem.
func ApplyDesign(recorder string, cfg RecorderConfig, inputs []StepInput, d marketplace.StudyDesign, n int) error {
	switch {
	case recorder != "csv" && (cfg["form"] != "" || cfg["event"] != ""):
		return marketplace.Errorf(marketplace.EINVALID, "Recorder %s: the form and event mapping is for csv.", recorder)
	case recorder == "odm" && n > 0:
		return applyODMDesign(inputs, d, n)
	case recorder == "csv" && cfg["form"] != "":
		return applyCSVDesign(cfg, inputs, d, n)
	}
	return nil
}

// designForm returns form oid of the design and checks that event (if
// given and the design has events) lists it.
func designForm(d marketplace.StudyDesign, n int, form, event string) (marketplace.FormDef, string) {
	f, ok := d.Form(form)
	if !ok {
		oids := make([]string, len(d.Forms))
		for i, f := range d.Forms {
			oids[i] = f.OID
		}
		return f, fmt.Sprintf("form %s is not in study design version %d (forms: %s)", form, n, strings.Join(oids, ", "))
	}
	if event == "" || len(d.Events) == 0 {
		return f, ""
	}
	e, ok := d.Event(event)
	if !ok {
		return f, fmt.Sprintf("study event %s is not in study design version %d", event, n)
	}
	for _, fo := range e.Forms {
		if fo == form {
			return f, ""
		}
	}
	return f, fmt.Sprintf("form %s is not collected at study event %s (%s) in study design version %d", form, event, e.Name, n)
}

// odmFormStep is the data the odm recorder writes for a FormData (see
// formData).
type odmFormStep struct {
	Event       string                        `json:"study_event"`
	Form        string                        `json:"form"`
	Items       map[string]map[string]*string `json:"items"`
	Transaction string                        `json:"transaction"`
}

func applyODMDesign(inputs []StepInput, d marketplace.StudyDesign, n int) error {
	var errs InputErrors
	out := make([]json.RawMessage, len(inputs))
	for i, in := range inputs {
		if in.Source.Recorder != "odm" {
			continue
		}
		var od odmFormStep
		var rest map[string]any
		if json.Unmarshal(in.Data, &od) != nil || json.Unmarshal(in.Data, &rest) != nil {
			errs = append(errs, InputError{in.Ref, "the recorder's data is not an ODM form"})
			continue
		}
		f, msg := designForm(d, n, od.Form, od.Event)
		if msg != "" {
			errs = append(errs, InputError{in.Ref, msg})
			continue
		}
		items, ierrs := odmItems(in.Ref, f, od)
		errs = append(errs, ierrs...)
		if len(ierrs) > 0 {
			continue
		}
		delete(rest, "study_event")
		rest["design"], rest["form"], rest["items"] = n, od.Form, items
		if od.Event != "" {
			rest["event"] = od.Event
		}
		b, err := json.Marshal(rest)
		if err != nil {
			return fmt.Errorf("encode %s: %w", in.Ref, err)
		}
		out[i] = b
	}
	if err := errs.Err(); err != nil {
		return err
	}
	for i, b := range out {
		if b != nil {
			inputs[i].Data = b
		}
	}
	return nil
}

// odmItems types the item values of one ODM form, from all its groups.
func odmItems(ref string, f marketplace.FormDef, od odmFormStep) (map[string]json.RawMessage, InputErrors) {
	var errs InputErrors
	items := map[string]json.RawMessage{}
	seen := map[string]string{} // item OID -> group key
	groups := make([]string, 0, len(od.Items))
	for g := range od.Items {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		oids := make([]string, 0, len(od.Items[g]))
		for oid := range od.Items[g] {
			oids = append(oids, oid)
		}
		sort.Strings(oids)
		for _, oid := range oids {
			path := ref + odmGroupPath(g) + "/ItemData[@ItemOID=" + oid + "]"
			it, ok := f.Item(oid)
			switch {
			case !ok:
				errs = append(errs, InputError{path, fmt.Sprintf("form %s (%s) has no item %s", f.OID, f.Name, oid)})
				continue
			case seen[oid] != "":
				errs = append(errs, InputError{path, fmt.Sprintf("%s: a second value (also in item group %s); the form holds one value per item", it.Label, seen[oid])})
				continue
			}
			seen[oid] = g
			v := od.Items[g][oid]
			if v == nil || strings.TrimSpace(*v) == "" {
				continue // IsNull, or removed: unanswered
			}
			tv, msg := it.Parse(strings.TrimSpace(*v))
			if msg != "" {
				errs = append(errs, InputError{path, it.Label + ": " + msg})
				continue
			}
			items[oid] = tv
		}
	}
	if od.Transaction == "Update" || od.Transaction == "Remove" {
		return items, errs
	}
	for _, it := range f.Items {
		if _, ok := items[it.OID]; it.Required && !ok {
			errs = append(errs, InputError{ref, fmt.Sprintf("%s (%s) is required by form %s", it.Label, it.OID, f.OID)})
		}
	}
	return items, errs
}

// odmGroupPath is the path step of group key g ("OID" or "OID[repeat]").
func odmGroupPath(g string) string {
	oid, repeat, ok := strings.Cut(g, "[")
	if !ok {
		return "/ItemGroupData[@ItemGroupOID=" + g + "]"
	}
	return "/ItemGroupData[@ItemGroupOID=" + oid + "][@ItemGroupRepeatKey=" + strings.TrimSuffix(repeat, "]") + "]"
}

func applyCSVDesign(cfg RecorderConfig, inputs []StepInput, d marketplace.StudyDesign, n int) error {
	if n == 0 {
		return marketplace.Errorf(marketplace.EINVALID, "CSV mapping: form %s: the trial has no study design yet; import one first.", cfg["form"])
	}
	f, msg := designForm(d, n, cfg["form"], cfg["event"])
	if msg != "" {
		return marketplace.Errorf(marketplace.EINVALID, "CSV mapping: %s.", msg)
	}
	var errs InputErrors
	out := make([]json.RawMessage, len(inputs))
	for i, in := range inputs {
		cells := map[string]string{}
		if len(in.Data) > 0 && json.Unmarshal(in.Data, &cells) != nil {
			errs = append(errs, InputError{in.Ref, "the recorder's data is not a row of cells"})
			continue
		}
		values, column := map[string]string{}, map[string]string{} // item OID -> value, header
		for h, v := range cells {
			oid := h
			for _, it := range f.Items {
				if strings.EqualFold(it.OID, h) {
					oid = it.OID
				}
			}
			values[oid], column[oid] = v, h
		}
		items, ferrs := f.Check(values)
		for _, fe := range ferrs {
			ref := in.Ref
			if h, ok := column[fe.Item]; ok {
				ref = fmt.Sprintf("%s, column %q", in.Ref, h)
			}
			switch {
			case fe.Msg == "required":
				errs = append(errs, InputError{ref, fmt.Sprintf("%s (%s) is required by form %s", fe.Label, fe.Item, f.OID)})
			case fe.Label == fe.Item:
				errs = append(errs, InputError{ref, fe.Msg})
			default:
				errs = append(errs, InputError{ref, fe.Label + ": " + fe.Msg})
			}
		}
		if len(ferrs) > 0 {
			continue
		}
		b, err := json.Marshal(marketplace.FormData{Design: n, Event: cfg["event"], Form: f.OID, Items: items})
		if err != nil {
			return fmt.Errorf("encode %s: %w", in.Ref, err)
		}
		out[i] = b
	}
	if err := errs.Err(); err != nil {
		return err
	}
	for i := range inputs {
		inputs[i].Data = out[i]
	}
	return nil
}
