package anonymize_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// syntheaPatientPHI is what a Synthea bundle's Patient says about the
// patient, by PHI type, and the text of its notes.
type syntheaPatientPHI struct {
	phi   map[string][]string
	notes []string
}

func readSyntheaNotes(t *testing.T, path string) syntheaPatientPHI {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Entry []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
				Name         []struct {
					Family string   `json:"family"`
					Given  []string `json:"given"`
				} `json:"name"`
				BirthDate string `json:"birthDate"`
				Address   []struct {
					Line       []string `json:"line"`
					City       string   `json:"city"`
					PostalCode string   `json:"postalCode"`
				} `json:"address"`
				Telecom []struct {
					Value string `json:"value"`
				} `json:"telecom"`
				Content []struct {
					Attachment struct {
						Data string `json:"data"`
					} `json:"attachment"`
				} `json:"content"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	p := syntheaPatientPHI{phi: map[string][]string{}}
	for _, e := range bundle.Entry {
		r := e.Resource
		switch r.ResourceType {
		case "Patient":
			for _, n := range r.Name {
				p.phi[anonymize.PHIName] = append(append(p.phi[anonymize.PHIName], n.Given...), n.Family)
			}
			p.phi[anonymize.PHIDate] = append(p.phi[anonymize.PHIDate], r.BirthDate)
			for _, a := range r.Address {
				p.phi[anonymize.PHIAddress] = append(append(p.phi[anonymize.PHIAddress], a.Line...), a.City)
				if a.PostalCode != "" {
					p.phi[anonymize.PHIZip] = append(p.phi[anonymize.PHIZip], a.PostalCode)
				}
			}
			for _, tc := range r.Telecom {
				p.phi[anonymize.PHIPhone] = append(p.phi[anonymize.PHIPhone], tc.Value)
			}
		case "DocumentReference":
			for _, c := range r.Content {
				if text, err := base64.StdEncoding.DecodeString(c.Attachment.Data); err == nil && len(text) > 0 {
					p.notes = append(p.notes, string(text))
				}
			}
		}
	}
	return p
}

// The notes of the Synthea bundles (written by a project nobody here
// works on) keep none of their patient's name, birth date, address or
// phone once scrubbed. Figures per type are logged.
func TestScrubNotes_syntheaNotesKeepNoIdentity(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sharedData(t, "synthea-fhir"), "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Synthea bundles (the shared data changed?): %v", err)
	}
	if testing.Short() && len(files) > 20 {
		files = files[:20]
	}
	s := newScrubber(t)
	present, survived := map[string]int{}, map[string]int{}
	notes, counts := 0, anonymize.ScrubCounts{}
	for _, f := range files {
		p := readSyntheaNotes(t, f)
		for _, note := range p.notes {
			notes++
			out, c := s.Scrub(note, 0)
			counts.Add(c)
			for typ, vals := range p.phi {
				for _, v := range vals {
					if v == "" || !strings.Contains(note, v) {
						continue
					}
					present[typ]++
					if strings.Contains(out, v) {
						survived[typ]++
						if survived[typ] <= 3 {
							t.Errorf("%s: %s %q survives in %q", filepath.Base(f), typ, v, out)
						}
					}
				}
			}
		}
	}
	t.Logf("%d notes of %d bundles; identifiers present %v, surviving %v; replaced %v", notes, len(files), present, survived, counts)
	if notes == 0 {
		t.Fatal("the bundles hold no notes: the shared data changed")
	}
}
