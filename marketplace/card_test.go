package marketplace

import (
	"encoding/json"
	"strings"
	"testing"
)

func validCard() *DatasetCard {
	return &DatasetCard{
		Version:     CardVersion,
		Title:       "Type 2 diabetes outcomes, Synthea cohort",
		Description: "HbA1c observations & conditions <anonymized> with k=5.",
		Tags:        []string{"diabetes", "synthea"},
		Publisher:   "Riverside Patient Group",
		Columns: []CardColumn{
			{Name: "age", Type: "integer", Role: "quasi-identifier"},
			{Name: "hba1c", Type: "decimal", Role: "sensitive"},
		},
		Rows:        1200,
		DataTypes:   []string{"observations", "conditions"},
		Format:      "csv",
		TermsDetail: map[string]string{"DS": "type 2 diabetes"},
		Report:      json.RawMessage(`{ "k": 5,  "risk": 0.2 }`),
	}
}

func TestDatasetCard_hashIsSHA256OfCanonicalJSON(t *testing.T) {
	c := validCard()
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `\u003c`) || strings.Contains(string(b), "\n") || strings.Contains(string(b), `"k": 5`) {
		t.Errorf("encoding is not canonical: %s", b)
	}
	h, _ := c.Hash()
	if h != CardHash(b) {
		t.Errorf("Hash %s != CardHash(Encode) %s", h, CardHash(b))
	}
	got, err := DecodeCard(b, h)
	if err != nil {
		t.Fatalf("DecodeCard: %v", err)
	}
	b2, _ := got.Encode()
	if string(b2) != string(b) {
		t.Errorf("decode+encode changed the card:\n%s\n%s", b, b2)
	}
	// Known vector: the hash is plain SHA-256 of the bytes, checkable with sha256sum.
	if CardHash([]byte("abc")).Hex() != "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("CardHash is not SHA-256")
	}
}

func TestDecodeCard_refusesMismatchAndInvalid(t *testing.T) {
	c := validCard()
	b, _ := c.Encode()
	h := CardHash(b)
	if _, err := DecodeCard(append(b, ' '), h); ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("tampered card: %v", err)
	}
	bad := *c
	bad.Title = ""
	bb, _ := bad.Encode()
	if _, err := DecodeCard(bb, CardHash(bb)); ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), "title") {
		t.Errorf("invalid card: %v", err)
	}
}

func TestDatasetCard_ValidateNamesTheField(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *DatasetCard)
		field  string
	}{
		{"version", func(c *DatasetCard) { c.Version = 9 }, "version"},
		{"title", func(c *DatasetCard) { c.Title = "  " }, "title"},
		{"long title", func(c *DatasetCard) { c.Title = strings.Repeat("x", 201) }, "title"},
		{"tag", func(c *DatasetCard) { c.Tags = []string{"ok", ""} }, "tags[1]"},
		{"no columns", func(c *DatasetCard) { c.Columns = nil }, "columns"},
		{"column type", func(c *DatasetCard) { c.Columns[1].Type = "float128" }, "columns[1].type"},
		{"column role", func(c *DatasetCard) { c.Columns[0].Role = "secret" }, "columns[0].role"},
		{"rows", func(c *DatasetCard) { c.Rows = 0 }, "rows"},
		{"data type", func(c *DatasetCard) { c.DataTypes = []string{"vibes"} }, "data_types[0]"},
		{"format", func(c *DatasetCard) { c.Format = "xlsx" }, "format"},
		{"terms detail", func(c *DatasetCard) { c.TermsDetail = map[string]string{"disease": "x"} }, "terms_detail"},
		{"report", func(c *DatasetCard) { c.Report = json.RawMessage(`[1]`) }, "report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCard()
			tt.change(c)
			err := c.Validate()
			if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Validate() = %v, want EINVALID naming %q", err, tt.field)
			}
		})
	}
	if err := validCard().Validate(); err != nil {
		t.Errorf("valid card: %v", err)
	}
}

// releaseCard is a valid card of a release package.
func releaseCard() *DatasetCard {
	c := validCard()
	c.Package = PackageZIP
	c.Tables = []CardTable{
		{Name: "Patient", Rows: 2, Columns: []CardColumn{{Name: "id", Type: "string", Role: "insensitive"}},
			Treatments: []CardTreatment{{Column: "id", Treatment: "pseudonymized (patient key)"}, {Column: "ssn", Treatment: "dropped", Loss: 1}}},
		{Name: "Observation", Rows: 40, Columns: []CardColumn{{Name: "patient", Type: "string", Role: "insensitive"}}},
	}
	return c
}

// A release package's card lists its tables; a bad table is named.
func TestDatasetCard_ValidateTables(t *testing.T) {
	if err := releaseCard().Validate(); err != nil {
		t.Fatalf("valid release card: %v", err)
	}
	tests := []struct {
		name   string
		change func(c *DatasetCard)
		want   string
	}{
		{"package", func(c *DatasetCard) { c.Package = "tar" }, "package"},
		{"zip without tables", func(c *DatasetCard) { c.Tables = nil }, "tables required"},
		{"tables without zip", func(c *DatasetCard) { c.Package = "" }, "set package"},
		{"unnamed table", func(c *DatasetCard) { c.Tables[1].Name = "" }, "tables[1].name"},
		{"twice", func(c *DatasetCard) { c.Tables[1].Name = "Patient" }, "listed twice"},
		{"column role", func(c *DatasetCard) { c.Tables[1].Columns[0].Role = "secret" }, `table "Observation"`},
		{"treatment", func(c *DatasetCard) { c.Tables[0].Treatments[1].Treatment = "" }, "tables[0].treatments[1].treatment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := releaseCard()
			tt.change(c)
			if err := c.Validate(); ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want EINVALID saying %q", err, tt.want)
			}
		})
	}
	// The tables survive the card's encoding.
	enc, err := releaseCard().Encode()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := DecodeCard(enc, CardHash(enc))
	if err != nil || len(dec.Tables) != 2 || dec.Tables[0].Treatments[0].Treatment != "pseudonymized (patient key)" {
		t.Errorf("decoded %+v, %v", dec, err)
	}
}
