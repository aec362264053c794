package trials

import (
	"context"
	"crypto/sha256"
	"encoding/json"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// StepFilter selects entries of a trial's log.
type StepFilter struct {
	Type    marketplace.StepType // "" for all
	Subject string               // a subject id or pseudonym; "" for all
	Offset  uint64               // skip entries before this index
	Limit   int                  // at most this many; 0 for all
}

// Steps returns the entries of trial id that match f, oldest first. It reads
// the steps without checking their signatures (Verify does).
func (s *Service) Steps(ctx context.Context, id common.Hash, f StepFilter) ([]Entry, error) {
	if _, err := s.Trial(ctx, id); err != nil {
		return nil, err
	}
	subject := ""
	if f.Subject != "" {
		var err error
		if subject, err = s.ps.pseudonym(id, f.Subject); err != nil {
			return nil, err
		}
	}
	head, err := s.ledger.Head(ctx, ledger.LogID(id))
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []Entry
	const chunk = 4096
	for from := f.Offset; from < head.Size; from += chunk {
		es, err := s.ledger.Entries(ctx, ledger.LogID(id), from, from+chunk)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			var l leafJSON
			var step marketplace.Step
			if json.Unmarshal(e.Leaf, &l) != nil || json.Unmarshal(l.Step, &step) != nil {
				step = marketplace.Step{Index: e.Index, Type: "undecodable"}
			}
			if (f.Type != "" && step.Type != f.Type) || (subject != "" && step.Subject != subject) {
				continue
			}
			out = append(out, Entry{Index: e.Index, Step: step, Signature: l.Signature, LeafHash: leafHash(e.Leaf)})
			if f.Limit > 0 && len(out) >= f.Limit {
				return out, nil
			}
		}
	}
	return out, nil
}

func leafHash(leaf []byte) common.Hash {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(leaf)
	return common.Hash(h.Sum(nil))
}
