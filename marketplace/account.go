package marketplace

import (
	"regexp"

	"github.com/ethereum/go-ethereum/common"
)

// Account is a key this node holds: an Ethereum address that signs
// listings, purchases and trial anchors, known locally by a name. The key
// itself stays encrypted in the node's keystore (marketplace/vault).
type Account struct {
	// Name is the local label users pick the account by (`--as alice`);
	// unique per node, compared case-insensitively, never on chain. Empty
	// for a key file dropped into the keystore by hand.
	Name string `json:"name"`
	// Address is the account's Ethereum address, derived from its key;
	// never changes.
	Address common.Address `json:"address"`
}

// MaxAccountNameLen bounds an account name.
const MaxAccountNameLen = 32

var accountNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Validate reports whether the account's fields are acceptable.
func (a Account) Validate() error {
	if err := ValidateAccountName(a.Name); err != nil {
		return err
	}
	if a.Address == (common.Address{}) {
		return Errorf(EINVALID, "Account %s: address required.", a.Name)
	}
	return nil
}

// ValidateAccountName checks an account name: 1 to MaxAccountNameLen
// letters, digits, '.', '_' or '-', starting with a letter or digit, so that
// it can be typed as a command-line argument without quoting. A name that
// looks like an address is refused: addresses select accounts too.
func ValidateAccountName(name string) error {
	switch {
	case name == "":
		return Errorf(EINVALID, "Account name required.")
	case len(name) > MaxAccountNameLen:
		return Errorf(EINVALID, "Account name %q: %d characters, at most %d allowed.", name, len(name), MaxAccountNameLen)
	case !accountNameRE.MatchString(name):
		return Errorf(EINVALID, "Account name %q: use letters, digits, '.', '_' or '-', starting with a letter or digit.", name)
	case common.IsHexAddress(name):
		return Errorf(EINVALID, "Account name %q looks like an address; pick a name.", name)
	}
	return nil
}
