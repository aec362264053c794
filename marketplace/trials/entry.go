package trials

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// A log entry (the leaf bytes hashed into the trial's Merkle log) is the
// signed step:
//
//	{"step":<canonical step JSON>,"signature":"0x<65-byte EIP-191 signature>"}
//
// The signature is the sponsor's personal_sign (EIP-191) of exactly the bytes
// of the "step" value. Canonical step JSON is encoding/json's encoding of
// marketplace.Step: fields in declaration order, no insignificant space,
// times in RFC 3339 UTC, and Data with object keys sorted and numbers as
// written. A leaf whose step is not in canonical form is refused, so a step
// has one encoding and one leaf hash.

// SignedStep is a decoded log entry.
type SignedStep struct {
	Step      marketplace.Step
	Signature []byte         // 65 bytes, V = 27 or 28
	Signer    common.Address // recovered from Signature
	Canonical []byte         // the signed bytes
}

type leafJSON struct {
	Step      json.RawMessage `json:"step"`
	Signature hexutil.Bytes   `json:"signature"`
}

// canonicalStep returns the bytes that are signed for s. s.Data must already
// be canonical (see canonicalData).
func canonicalStep(s *marketplace.Step) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "encode step %d", s.Index)
	}
	return b, nil
}

// encodeLeaf returns the leaf bytes of a signed step.
func encodeLeaf(canonical, sig []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(canonical) + 2*len(sig) + 32)
	b.WriteString(`{"step":`)
	b.Write(canonical)
	b.WriteString(`,"signature":"`)
	b.WriteString(hexutil.Encode(sig))
	b.WriteString(`"}`)
	return b.Bytes()
}

// DecodeLeaf decodes a log entry, checks that its step is well formed and
// canonical, and recovers the signer from the signature. Whether the signer is
// the trial's sponsor is the caller's check. Errors are EINVALID and say what
// is wrong.
func DecodeLeaf(leaf []byte) (SignedStep, error) {
	step, sig, err := splitLeaf(leaf)
	if err != nil {
		return SignedStep{}, err
	}
	var s marketplace.Step
	sd := json.NewDecoder(bytes.NewReader(step))
	sd.DisallowUnknownFields()
	if err := sd.Decode(&s); err != nil {
		return SignedStep{}, marketplace.Errorf(marketplace.EINVALID, "the step does not decode: %v", err)
	}
	if len(s.Data) > 0 {
		d, err := canonicalData(s.Data)
		if err != nil || !bytes.Equal(d, s.Data) {
			return SignedStep{}, marketplace.Errorf(marketplace.EINVALID, "the step's data is not in canonical form")
		}
	}
	if c, err := canonicalStep(&s); err != nil || !bytes.Equal(c, step) {
		return SignedStep{}, marketplace.Errorf(marketplace.EINVALID, "the step is not in canonical form")
	}
	if err := s.Validate(); err != nil {
		return SignedStep{}, err
	}
	who, err := vault.RecoverPersonal(step, sig)
	if err != nil {
		return SignedStep{}, marketplace.Errorf(marketplace.EINVALID, "the signature is malformed: %v", err)
	}
	return SignedStep{Step: s, Signature: sig, Signer: who, Canonical: step}, nil
}

// splitLeaf cuts a leaf into its step and its signature. A leaf has one
// form, {"step":<step>,"signature":"0x<130 hex digits>"} (encodeLeaf), so
// it is cut by position, not parsed: the step is then decoded strictly.
func splitLeaf(leaf []byte) (json.RawMessage, []byte, error) {
	const head, sigHead, tail = `{"step":`, `,"signature":"0x`, `"}`
	const sigLen = len(sigHead) + 130 + len(tail)
	n := len(leaf)
	if n < len(head)+2+sigLen || !bytes.HasPrefix(leaf, []byte(head)) || !bytes.HasSuffix(leaf, []byte(tail)) ||
		!bytes.Equal(leaf[n-sigLen:n-sigLen+len(sigHead)], []byte(sigHead)) {
		if !json.Valid(leaf) {
			return nil, nil, marketplace.Errorf(marketplace.EINVALID, "not a signed step: not JSON")
		}
		return nil, nil, marketplace.Errorf(marketplace.EINVALID, "the entry is not in canonical form")
	}
	sig := make([]byte, 65)
	if _, err := hex.Decode(sig, leaf[n-sigLen+len(sigHead):n-len(tail)]); err != nil || bytes.ContainsAny(leaf[n-sigLen+len(sigHead):n-len(tail)], "ABCDEF") {
		return nil, nil, marketplace.Errorf(marketplace.EINVALID, "the entry is not in canonical form (signature)")
	}
	return json.RawMessage(leaf[len(head) : n-sigLen]), sig, nil
}

// canonicalData decodes a JSON object and encodes it again with sorted keys,
// no insignificant space and numbers as written.
func canonicalData(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "data is not JSON: %v", err)
	}
	if dec.More() {
		return nil, marketplace.Errorf(marketplace.EINVALID, "data holds more than one JSON value")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, marketplace.Errorf(marketplace.EINVALID, "data must be a JSON object, not %s", jsonKind(v))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "data: %v", err)
	}
	return b, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
