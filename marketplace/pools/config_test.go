package pools

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

func TestConfigValidate_acceptsAPoolPatientsCanRun(t *testing.T) {
	if err := testConfig(1).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidate_errorsNameTheField(t *testing.T) {
	cases := []struct {
		field  string // what the message must name
		change func(c *Config)
	}{
		{"version", func(c *Config) { c.Version = 0 }},
		{"name", func(c *Config) { c.Name = "  " }},
		{"name", func(c *Config) { c.Name = strings.Repeat("n", MaxNameLen+1) }},
		{"description", func(c *Config) { c.Description = strings.Repeat("d", MaxDescriptionLen+1) }},
		{"chain", func(c *Config) { c.Chain = 0 }},
		{"contract", func(c *Config) { c.Contract = common.Address{} }},
		{"operator", func(c *Config) { c.Operator = common.Address{} }},
		{"hub", func(c *Config) { c.Hub = "ftp://hub.example.org" }},
		{"hub", func(c *Config) { c.Hub = "https://hub.example.org/?x=1" }},
		{"fee_basis_points", func(c *Config) { c.FeeBasisPoints = MaxFeeBasisPoints + 1 }},
		{"k", func(c *Config) { c.K = 1 }},
		{"k", func(c *Config) { c.K = MaxK + 1 }},
		{"price", func(c *Config) { c.Price = nil }},
		{"price", func(c *Config) { c.Price = big.NewInt(0) }},
		{"price", func(c *Config) { c.Price = new(big.Int).Lsh(big.NewInt(1), 256) }},
		{"at", func(c *Config) { c.At = time.Time{} }},
		{"terms", func(c *Config) { c.Terms.Use = marketplace.NCU }},
		{"recipient", func(c *Config) { c.Recipient = "" }},
		{"recipient", func(c *Config) { c.Recipient = "age1" + strings.Repeat("b", 58) }},
		{"recipient", func(c *Config) { c.Recipient = "AGE-SECRET-KEY-1" + strings.Repeat("q", 46) }},
		{"pipeline", func(c *Config) { c.Pipeline = nil }},
		{"hierarchy file", func(c *Config) {
			c.Pipeline.Columns["age"] = anonymize.ColumnConfig{Role: c.Pipeline.Columns["age"].Role, Hierarchy: &anonymize.HierarchySpec{File: "age.csv"}}
		}},
		{"give the interval a width", func(c *Config) {
			c.Pipeline.Columns["age"] = anonymize.ColumnConfig{Role: c.Pipeline.Columns["age"].Role, Hierarchy: &anonymize.HierarchySpec{Auto: "interval"}}
		}},
		{"give the interval a width", func(c *Config) {
			c.Pipeline.Columns["age"] = anonymize.ColumnConfig{Role: c.Pipeline.Columns["age"].Role, Hierarchy: &anonymize.HierarchySpec{Auto: "auto"}}
		}},
		{"level 2", func(c *Config) {
			c.Pipeline.Transforms[1].Params = anonymize.Params{"levels": map[string]any{"age": 2}}
		}},
		{"quasi-identifier role", func(c *Config) { delete(c.Pipeline.Columns, "age"); delete(c.Pipeline.Columns, "sex") }},
		{"privacy step", func(c *Config) {
			c.Pipeline.Transforms = append(c.Pipeline.Transforms, anonymize.TransformConfig{Name: "privacy", Params: anonymize.Params{"k": 5}})
		}},
		{"privacy step", func(c *Config) { c.Pipeline.Transforms = nil; c.Pipeline.Preset = "safe-harbor-k5" }},
		{"carries a secret", func(c *Config) {
			c.Pipeline.Transforms = append(c.Pipeline.Transforms, anonymize.TransformConfig{Name: "pseudonymize", Params: anonymize.Params{"secret": strings.Repeat("s", 32)}})
		}},
		{"min_k", func(c *Config) { c.Pipeline.Policy = &anonymize.Policy{MinK: 5} }},
		{"unknown transform", func(c *Config) {
			c.Pipeline.Transforms = append(c.Pipeline.Transforms, anonymize.TransformConfig{Name: "blur"})
		}},
	}
	for _, tc := range cases {
		c := testConfig(1)
		tc.change(c)
		err := c.Validate()
		if marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", tc.field, err)
			continue
		}
		if msg := marketplace.ErrorMessage(err); !strings.Contains(msg, tc.field) {
			t.Errorf("%s: message %q does not name it", tc.field, msg)
		}
	}
}

func TestConfigValidate_aPresetWithoutPrivacyIsAccepted(t *testing.T) {
	c := testConfig(1)
	c.Pipeline.Transforms = nil
	c.Pipeline.Preset = "safe-harbor"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConfigJSON_roundTripKeepsTheHash(t *testing.T) {
	c := testConfig(1)
	c.Price = new(big.Int).Lsh(big.NewInt(1), 200) // beyond a float64's precision
	c.At = time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"price":"` + c.Price.String() + `"`, `"at":"2026-03-01T09:00:00Z"`,
		`"terms":{"use":"HMB+NCU","duration_days":365,"seats":0}`, `"fee_basis_points":1000`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Hash() != c.Hash() {
		t.Errorf("hash changed over a JSON round trip:\n%s", b)
	}
	if back.Price.Cmp(c.Price) != 0 {
		t.Errorf("price %s, want %s", back.Price, c.Price)
	}
	if err := back.Validate(); err != nil {
		t.Errorf("parsed configuration does not validate: %v", err)
	}
}

func TestConfigHash_changesWithEveryField(t *testing.T) {
	base := testConfig(1).Hash()
	changes := map[string]func(c *Config){
		"fee":      func(c *Config) { c.FeeBasisPoints++ },
		"k":        func(c *Config) { c.K++ },
		"price":    func(c *Config) { c.Price = big.NewInt(1e15 + 1) },
		"pipeline": func(c *Config) { c.Pipeline.Transforms = c.Pipeline.Transforms[:1] },
		"terms":    func(c *Config) { c.Terms.Seats = 3 },
	}
	for name, change := range changes {
		c := testConfig(1)
		change(c)
		if c.Hash() == base {
			t.Errorf("%s: the hash did not change", name)
		}
	}
}

func TestConfigJSON_refusesUnknownFieldsAndBadPrices(t *testing.T) {
	b, err := json.Marshal(testConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"unknown field":          bytes.Replace(b, []byte(`"k":2`), []byte(`"k":2,"kk":3`), 1),
		"unknown pipeline field": bytes.Replace(b, []byte(`"columns":`), []byte(`"colums":{},"columns":`), 1),
		"price as a number":      bytes.Replace(b, []byte(`"price":"1000000000000000"`), []byte(`"price":1000000000000000`), 1),
		"price not decimal":      bytes.Replace(b, []byte(`"price":"1000000000000000"`), []byte(`"price":"0x10"`), 1),
		"unknown DUO code":       bytes.Replace(b, []byte(`"use":"HMB+NCU"`), []byte(`"use":"HMB+XYZ"`), 1),
		"trailing data":          append(bytes.Clone(b), '}'),
	}
	for name, in := range cases {
		if bytes.Equal(in, b) {
			t.Fatalf("%s: the test did not change the JSON: %s", name, b)
		}
		var c Config
		if err := c.UnmarshalJSON(in); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}
