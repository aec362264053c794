package pools

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// Limits of a pool's configuration.
const (
	// MaxFeeBasisPoints is the largest operator fee: half of each sale.
	MaxFeeBasisPoints = 5000
	// MinK and MaxK bound the k-anonymity a pool enforces over the union of its contributions.
	MinK, MaxK = 2, 1000
	// MaxNameLen and MaxDescriptionLen bound a pool's name and description, in bytes.
	MaxNameLen, MaxDescriptionLen = 200, 10_000
)

// Config is a pool's published configuration. The operator writes it; each change is a new Version
// (1, 2, ...) appended to the pool's log, and a patient consents to one version, named by Version
// and Hash. Chain, Contract and Operator never change over a pool's versions.
type Config struct {
	// Version numbers the configurations of a pool from 1.
	Version int `json:"version"`
	// Name and Description say what the pool collects and for whom ("Type 2 diabetes, 2015-2025,
	// adults in the US"), shown to patients and on the pool's listings.
	Name        string `json:"name"`
	Description string `json:"description"`
	// Chain is the id of the chain the pool's contract lives on.
	Chain uint64 `json:"chain"`
	// Contract is the pool's PoolPayouts contract: the pool's id, and the seller of its listings.
	Contract common.Address `json:"contract"`
	// Operator is the account that runs the pool: it releases versions and posts payout rounds.
	Operator common.Address `json:"operator"`
	// Hub is the provider URL of the operator's node, where patients upload contributions.
	Hub string `json:"hub"`
	// FeeBasisPoints is the operator's share of each sale (1/100 of a percent), shown to patients
	// before they join; at most MaxFeeBasisPoints.
	FeeBasisPoints uint16 `json:"fee_basis_points"`
	// Pipeline is applied on the patient's node before anything leaves it: column roles, Safe
	// Harbor, generalization. Its hierarchies are automatic (a patient's node has no hierarchy
	// files), it carries no secret (it is public) and no "privacy" step: k-anonymity is enforced
	// over the union of contributions (K), which no single patient's node can do.
	Pipeline *anonymize.Config `json:"pipeline"`
	// K is the k-anonymity the operator enforces over the union on patient-level
	// quasi-identifiers, MinK..MaxK.
	K int `json:"k"`
	// Price is the price in wei of one licence of each released version (JSON: a decimal string).
	Price *big.Int `json:"price"`
	// Terms are the licence terms of the pool's listings.
	Terms marketplace.Terms `json:"terms"`
	// Recipient is the age X25519 recipient ("age1...") contributions are encrypted to.
	Recipient string `json:"recipient"`
	// At is when the operator published this version.
	At time.Time `json:"at"`
}

// configJSON is Config's JSON form: Price as a decimal string (JSON numbers lose precision in
// most readers), At in UTC so that equal configurations have equal JSON.
type configJSON struct {
	*configFields
	Price *string   `json:"price"`
	Terms termsJSON `json:"terms"`
}

// termsJSON is marketplace.Terms as a pool configuration writes them: the DUO codes by name
// ("HMB+NCU"), so that a person reading the configuration (or its hash's preimage) sees them.
type termsJSON struct {
	Use          string `json:"use"`
	DurationDays uint32 `json:"duration_days"`
	Seats        uint16 `json:"seats"`
}

type configFields Config

// MarshalJSON writes c's canonical JSON: fields in declaration order, At in UTC, Price as a
// decimal string.
func (c Config) MarshalJSON() ([]byte, error) {
	f := configFields(c)
	f.At = f.At.UTC()
	var price *string
	if c.Price != nil {
		s := c.Price.String()
		price = &s
	}
	terms := termsJSON{Use: c.Terms.Use.String(), DurationDays: c.Terms.DurationDays, Seats: c.Terms.Seats}
	return json.Marshal(configJSON{configFields: &f, Price: price, Terms: terms})
}

// UnmarshalJSON reads a configuration strictly: unknown fields and a price that is not a decimal
// integer are refused (EINVALID).
func (c *Config) UnmarshalJSON(b []byte) error {
	var f configFields
	w := configJSON{configFields: &f}
	if err := strictJSON(b, &w); err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "Pool configuration: malformed JSON: %v.", err)
	}
	use, err := marketplace.ParseDUO(w.Terms.Use)
	if err != nil {
		return marketplace.Errorf(marketplace.EINVALID, "Pool configuration: terms: %s", marketplace.ErrorMessage(err))
	}
	*c = Config(f)
	c.Terms = marketplace.Terms{Use: use, DurationDays: w.Terms.DurationDays, Seats: w.Terms.Seats}
	c.Price = nil
	if w.Price != nil {
		p, ok := new(big.Int).SetString(*w.Price, 10)
		if !ok {
			return marketplace.Errorf(marketplace.EINVALID, "Pool configuration: price %q is not a decimal number of wei.", *w.Price)
		}
		c.Price = p
	}
	return nil
}

// strictJSON decodes one JSON value from b into v, refusing unknown fields and trailing data.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// Hash is the SHA-256 of c's canonical JSON (MarshalJSON): what a patient's consent names.
func (c *Config) Hash() [32]byte {
	b, err := json.Marshal(c)
	if err != nil {
		// Every field of a Config marshals (the pipeline's parameters come from JSON or YAML);
		// a value that does not is a programming error, and hashing the error keeps the hash
		// from matching any real configuration.
		return sha256.Sum256([]byte("unmarshalable pool configuration: " + err.Error()))
	}
	return sha256.Sum256(b)
}

// Validate reports the first field of c that is missing or wrong, as an EINVALID error naming it.
func (c *Config) Validate() error {
	if err := c.validateIdentity(); err != nil {
		return err
	}
	switch {
	case c.FeeBasisPoints > MaxFeeBasisPoints:
		return invalid("fee_basis_points", "%d is above the most an operator may take, %d (%d%%)", c.FeeBasisPoints, MaxFeeBasisPoints, MaxFeeBasisPoints/100)
	case c.K < MinK || c.K > MaxK:
		return invalid("k", "%d is outside %d..%d", c.K, MinK, MaxK)
	case c.Price == nil || c.Price.Sign() <= 0:
		return invalid("price", "a positive number of wei required")
	case c.Price.Cmp(maxUint256) > 0:
		return invalid("price", "%s wei is above 2^256-1", c.Price)
	case c.At.IsZero():
		return invalid("at", "the time the configuration was published is required")
	}
	if err := c.Terms.Validate(); err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "Pool configuration: terms: %s", marketplace.ErrorMessage(err))
	}
	if err := validateRecipient(c.Recipient); err != nil {
		return err
	}
	return validatePipeline(c.Pipeline, c.At)
}

// validateIdentity checks what names the pool: version, name, chain, contract, operator, hub.
func (c *Config) validateIdentity() error {
	switch {
	case c.Version < 1:
		return invalid("version", "%d; versions start at 1", c.Version)
	case strings.TrimSpace(c.Name) == "":
		return invalid("name", "required")
	case len(c.Name) > MaxNameLen:
		return invalid("name", "longer than %d bytes", MaxNameLen)
	case len(c.Description) > MaxDescriptionLen:
		return invalid("description", "longer than %d bytes", MaxDescriptionLen)
	case c.Chain == 0:
		return invalid("chain", "the chain id is required")
	case c.Contract == (common.Address{}):
		return invalid("contract", "the pool's PoolPayouts contract is required")
	case c.Operator == (common.Address{}):
		return invalid("operator", "the operator's account is required")
	}
	if err := marketplace.ValidateProviderURL(c.Hub); err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "Pool configuration: hub: %s", marketplace.ErrorMessage(err))
	}
	return nil
}

// invalid is an EINVALID error naming a configuration field.
func invalid(field, format string, args ...any) error {
	return marketplace.Errorf(marketplace.EINVALID, "Pool configuration: %s: %s.", field, fmt.Sprintf(format, args...))
}

// bech32Charset is the alphabet of bech32 data characters.
const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// validateRecipient checks the shape of an age X25519 recipient: "age1" and 58 bech32 characters
// (a 32-byte key and a 6-character checksum). The checksum is the encrypting node's check.
func validateRecipient(r string) error {
	const n = len("age1") + 58
	if !strings.HasPrefix(r, "age1") || len(r) != n {
		return invalid("recipient", "%q is not an age X25519 recipient (age1 followed by 58 characters)", r)
	}
	for _, ch := range r[len("age1"):] {
		if !strings.ContainsRune(bech32Charset, ch) {
			return invalid("recipient", "%q holds %q, which no age recipient does", r, ch)
		}
	}
	return nil
}

// validatePipeline checks that a pool's pipeline can run on any patient's node and leaves
// k-anonymity to the union: at least one quasi-identifier (the union is grouped by them),
// automatic hierarchies only, no secret in a public configuration, no "privacy" step and no
// policy asking one patient's records for k > 1; and that it builds with the built-in transforms.
func validatePipeline(p *anonymize.Config, at time.Time) error {
	if p == nil {
		return invalid("pipeline", "required: it says which columns leave a patient's node and in what form")
	}
	if err := validateColumns(p.Columns); err != nil {
		return err
	}
	steps := p.Transforms
	if len(steps) == 0 && p.Preset != "" {
		preset, err := anonymize.Preset(p.Preset)
		if err != nil {
			return invalid("pipeline", "%v", err)
		}
		steps = preset.Transforms
	}
	for i, tc := range steps {
		if tc.Name == "privacy" {
			return invalid("pipeline", "step %d is a privacy step: k-anonymity is enforced over the union of contributions (k), not on one patient's node", i+1)
		}
		if tc.Name == "generalize" {
			if err := validateLevels(i, tc.Params, p.Columns); err != nil {
				return err
			}
		}
		for _, key := range []string{"secret", "secret_text"} {
			if _, ok := tc.Params[key]; ok {
				return invalid("pipeline", "step %d (%s) carries a secret in the published configuration; each patient's node uses its own", i+1, tc.Name)
			}
		}
	}
	if p.Policy != nil && p.Policy.MinK > 1 {
		return invalid("pipeline", "the policy asks for min_k %d of one patient's records; set the pool's k instead", p.Policy.MinK)
	}
	// Build with a stand-in secret (each patient's node has its own) to check the steps' names
	// and parameters.
	env := anonymize.Env{Secret: bytes.Repeat([]byte{1}, 32), AsOf: at}
	if _, err := p.Build(env); err != nil {
		return invalid("pipeline", "%v", err)
	}
	return nil
}

// validateColumns checks a pool pipeline's columns: at least one quasi-identifier, and hierarchies
// that generalize a value the same way on every patient's node, whatever the node's other values:
// no files (a patient's node has none), and no hierarchy whose intervals are derived from the
// node's values ("auto", or "interval" without a width).
func validateColumns(columns map[string]anonymize.ColumnConfig) error {
	quasi := 0
	for _, n := range slices.Sorted(maps.Keys(columns)) {
		cc := columns[n]
		if cc.Role != nil && *cc.Role == anonymize.RoleQuasi {
			quasi++
		}
		h := cc.Hierarchy
		switch {
		case h == nil:
		case h.File != "":
			return invalid("pipeline", "column %q: hierarchy file %q: a patient's node has no hierarchy files; use an automatic hierarchy (interval with a width, date, zip or flat)", n, h.File)
		case h.Auto == "auto" || (h.Auto == "interval" && h.Width <= 0):
			return invalid("pipeline", "column %q: hierarchy %q without a width derives its intervals from each patient's own values, so patients' nodes would not generalize alike; give the interval a width", n, h.Auto)
		}
	}
	if quasi == 0 {
		return invalid("pipeline", "no column has the quasi-identifier role: the pool's k-anonymity groups patients by them")
	}
	return nil
}

// validateLevels checks generalize step i: an interval column is generalized to level 1 at most,
// since a patient's node with one value has no level above 1 but the top ("*"); a wider width
// gives wider intervals.
func validateLevels(i int, params anonymize.Params, columns map[string]anonymize.ColumnConfig) error {
	var g anonymize.Generalize
	if err := params.Decode(&g); err != nil {
		return invalid("pipeline", "step %d (generalize): %v", i+1, err)
	}
	for _, col := range slices.Sorted(maps.Keys(g.Levels)) {
		level := g.Levels[col]
		if h := columns[col].Hierarchy; h != nil && h.Auto == "interval" && level > 1 {
			return invalid("pipeline", "step %d (generalize): column %q at level %d: a patient's node has one value, whose interval hierarchy stops at level 1; widen the interval instead", i+1, col, level)
		}
	}
	return nil
}
