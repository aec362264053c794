package trials

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// build turns inputs into steps at indexes base, base+1...; who signs.
// It returns the problems of each input as InputErrors, and an error for
// failures that are no input's fault.
func (s *Service) build(ctx context.Context, t marketplace.Trial, st *logState, base uint64, who common.Address, inputs []StepInput, internal int) ([]marketplace.Step, InputErrors, error) {
	steps := make([]marketplace.Step, len(inputs))
	var errs InputErrors
	batchKeys := map[string]uint64{}
	for i, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		ref := in.Ref
		if ref == "" {
			ref = fmt.Sprintf("step %d", i+1)
			inputs[i].Ref = ref
		}
		bad := func(format string, args ...any) {
			errs = append(errs, InputError{ref, fmt.Sprintf(format, args...)})
		}
		idx := base + uint64(i)
		step := marketplace.Step{Format: marketplace.StepFormat, Trial: t.ID, Index: idx, Who: who, When: s.now().UTC(), Reason: strings.TrimSpace(in.Reason)}

		typ, err := marketplace.ParseStepType(in.Type)
		switch {
		case err != nil:
			bad("%s", marketplace.ErrorMessage(err))
		case !typ.Recordable() && i >= internal:
			bad("%s steps are recorded when the protocol is registered on chain (trial register / trial amend), not by hand", typ.Label())
		}
		step.Type = typ

		if step.Subject, err = s.ps.pseudonym(t.ID, in.Subject); err != nil {
			bad("%s", marketplace.ErrorMessage(err))
		} else if step.Subject == "" && typ.SubjectLevel() {
			bad("%s steps need a subject", typ.Label())
		}

		step.Meaning = marketplace.MeaningAuthored
		if in.Meaning != "" {
			if step.Meaning, err = marketplace.ParseSignatureMeaning(in.Meaning); err != nil {
				bad("%s", marketplace.ErrorMessage(err))
			}
		}

		p, err := resolveProtocol(t, in.Protocol)
		if err != nil {
			if typ == marketplace.StepConsent || typ == marketplace.StepReconsent {
				bad("consent refused: %s", marketplace.ErrorMessage(err))
			} else {
				bad("%s", marketplace.ErrorMessage(err))
			}
		}
		step.Protocol, step.ProtocolSHA256 = p.Version, p.SHA256

		if len(in.Data) > 0 {
			if step.Data, err = canonicalData(in.Data); err != nil {
				bad("%s", marketplace.ErrorMessage(err))
			} else if len(step.Data) > marketplace.MaxStepDataLen {
				bad("data is %d bytes, at most %d allowed (refer to large documents by their SHA-256)", len(step.Data), marketplace.MaxStepDataLen)
			} else if err := checkData(step.Data); err != nil {
				bad("%s", marketplace.ErrorMessage(err))
			}
		}
		step.Documents = in.Documents

		src := in.Source
		if src.Ref == "" && src.Recorder != "" {
			src.Ref = in.Ref
		}
		if src != (marketplace.StepSource{}) {
			if src.At != nil {
				at := src.At.UTC()
				src.At = &at
			}
			if cat, ok := directIdentifier(src.Actor, false); ok {
				bad("the source's user %q looks like a direct identifier (%s); use user ids", src.Actor, cat)
			}
			step.Source = &src
		}

		corrects := in.Corrects
		for _, k := range []struct {
			key      string
			required bool
		}{{in.CorrectsKey, true}, {in.UpdateOf, false}} {
			if k.key == "" || corrects != nil {
				continue
			}
			if j, ok := batchKeys[k.key]; ok {
				corrects = &j
				continue
			}
			if err := s.loadKeys(ctx, t.ID, st); err != nil {
				return nil, nil, err
			}
			if j, ok := st.keys[k.key]; ok {
				corrects = &j
			} else if k.required {
				bad("corrects record %s, which no earlier entry recorded", k.key)
			}
		}
		if corrects != nil {
			c := *corrects
			step.Corrects = &c
			switch {
			case c >= idx:
				bad("corrects entry %d, which is not an earlier entry (this one will be %d)", c, idx)
			case step.Reason == "":
				bad("a correction of entry %d needs a reason for the change", c)
			}
		}
		if step.Source != nil && step.Source.Key != "" {
			batchKeys[step.Source.Key] = idx
		}
		if len(errs) == 0 || errs[len(errs)-1].Ref != ref {
			if err := step.Validate(); err != nil {
				bad("%s", strings.TrimPrefix(marketplace.ErrorMessage(err), fmt.Sprintf("Step %d: ", idx)))
			}
		}
		steps[i] = step
	}
	return steps, errs, nil
}

// resolveProtocol finds the registered protocol version ref names: "" (the
// one in force), "2", "v2", or a SHA-256 in hex.
func resolveProtocol(t marketplace.Trial, ref string) (marketplace.ProtocolVersion, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return t.CurrentProtocol(), nil
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(ref), "v")); err == nil {
		if p, ok := t.Protocol(n); ok {
			return p, nil
		}
		return marketplace.ProtocolVersion{}, marketplace.Errorf(marketplace.EINVALID,
			"protocol version %d is not registered for trial %s (registered: 1 to %d)", n, t.Identifier, len(t.Protocols))
	}
	if h := strings.TrimPrefix(strings.ToLower(ref), "0x"); len(h) == 64 {
		if p, ok := t.ProtocolByHash(common.HexToHash(h)); ok {
			return p, nil
		}
		return marketplace.ProtocolVersion{}, marketplace.Errorf(marketplace.EINVALID,
			"protocol %s is not a registered protocol version of trial %s", ref, t.Identifier)
	}
	return marketplace.ProtocolVersion{}, marketplace.Errorf(marketplace.EINVALID, "protocol %q: give a version number or the document's SHA-256", ref)
}
