package trials

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// Subjects are never written to the log by the id the sponsor knows them by.
// The service turns a subject id into "S-" and 32 hex digits of
// HMAC-SHA256(node secret, "medmarket/pseudonym/v1" || trial id || 0x00 || subject id),
// with the anonymization engine's keyed pseudonymizer. The secret is 32
// random bytes in the node's data directory (file pseudonym.key), made on
// first use: the same subject id gives the same pseudonym within a trial on
// this node, different pseudonyms in different trials, and nobody without the
// secret can recover or confirm a subject id from the log.

// SecretFile is the name of the pseudonym secret in Config.KeyDir.
const SecretFile = "pseudonym.key"

// MaxSubjectLen bounds a subject id as typed.
const MaxSubjectLen = 64

// pseudonymizer keys subject pseudonyms with the node's secret.
type pseudonymizer struct {
	p     *anonymize.Pseudonymize
	mu    sync.Mutex
	cache map[string]string // trial id + subject id -> pseudonym, for ids already checked
}

// maxPseudonymCache bounds the cache of checked subject ids.
const maxPseudonymCache = 1 << 16

// loadSecret reads the node's pseudonym secret, creating it (0600) when
// missing.
func loadSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, SecretFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		b = make([]byte, 32)
		rand.Read(b)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create pseudonym secret: %w", err)
		}
		_, werr := f.Write(b)
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			return nil, fmt.Errorf("write pseudonym secret: %w", err)
		}
		return b, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read pseudonym secret: %w", err)
	}
	if len(b) < anonymize.MinSecretLen {
		return nil, marketplace.Errorf(marketplace.EINTERNAL, "The pseudonym secret %s is too short.", path)
	}
	return b, nil
}

func newPseudonymizer(secret []byte) (*pseudonymizer, error) {
	p := &anonymize.Pseudonymize{Secret: secret, Prefix: "S-", Length: 32}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &pseudonymizer{p: p, cache: map[string]string{}}, nil
}

// pseudonym returns the pseudonym of subject id in trial. An id that already
// is a pseudonym (as shown in the timeline) is taken as it is, so users can
// filter and correct by pseudonym; an id that looks like a direct identifier
// is refused.
func (ps *pseudonymizer) pseudonym(trial common.Hash, subject string) (string, error) {
	subject = strings.TrimSpace(subject)
	if subject == "" {
		return "", nil
	}
	if marketplace.IsSubjectPseudonym(subject) {
		return subject, nil
	}
	key := string(trial[:]) + subject
	ps.mu.Lock()
	p, ok := ps.cache[key]
	ps.mu.Unlock()
	if ok {
		return p, nil
	}
	if len(subject) > MaxSubjectLen {
		return "", marketplace.Errorf(marketplace.EINVALID, "Subject id: %d characters, at most %d allowed.", len(subject), MaxSubjectLen)
	}
	if cat, ok := directIdentifier(subject, true); ok {
		return "", marketplace.Errorf(marketplace.EINVALID,
			"Subject id looks like a direct identifier (%s); use the trial's subject number (e.g. S-001), never a name, e-mail, phone or social security number.", cat)
	}
	p = ps.p.Pseudonym(trial.Hex() + "\x00" + subject)
	ps.mu.Lock()
	if len(ps.cache) >= maxPseudonymCache {
		clear(ps.cache)
	}
	ps.cache[key] = p
	ps.mu.Unlock()
	return p, nil
}

// directIdentifier reports whether v looks like a direct identifier, with the
// anonymization engine's content rules. Subject ids are held to more rules
// (dates, addresses, URLs) than payload strings (e-mail, SSN, phone).
func directIdentifier(v string, subject bool) (anonymize.Category, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 256 {
		return "", false
	}
	if !subject && !strings.Contains(v, "@") && digits(v) < 9 {
		return "", false // neither an e-mail nor a 9-digit SSN or phone number
	}
	col := anonymize.NewColumn("value", anonymize.TypeString, anonymize.RoleInsensitive, []string{v})
	cat := anonymize.SuggestColumn(col).Category
	switch cat {
	case anonymize.CatEmail, anonymize.CatSSN, anonymize.CatPhone:
		return cat, true
	case anonymize.CatURL, anonymize.CatIP, anonymize.CatAddress, anonymize.CatVehicle, anonymize.CatDevice, anonymize.CatDate:
		return cat, subject
	}
	return cat, false
}

func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// checkData refuses a payload with a string value that looks like an e-mail
// address, a social security number or a phone number: identifiers belong in
// the source system, not in an audit trail that auditors read.
func checkData(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil // canonicalData reports it
	}
	var found error
	var walk func(path string, v any)
	walk = func(path string, v any) {
		if found != nil {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		case string:
			if cat, ok := directIdentifier(x, false); ok {
				found = marketplace.Errorf(marketplace.EINVALID, "Data %s looks like a direct identifier (%s); leave identifiers out of the audit trail.", strings.TrimPrefix(path, "."), cat)
			}
		}
	}
	walk("", v)
	return found
}

// Pseudonym returns the pseudonym that subject has in trial id.
func (s *Service) Pseudonym(id common.Hash, subject string) (string, error) {
	return s.ps.pseudonym(id, subject)
}
