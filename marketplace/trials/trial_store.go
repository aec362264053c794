package trials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

func trialKey(id common.Hash) string { return "trial:" + strings.TrimPrefix(id.Hex(), "0x") }

// Trial returns the trial with id (ENOTFOUND when this node has none).
func (s *Service) Trial(ctx context.Context, id common.Hash) (marketplace.Trial, error) {
	var t marketplace.Trial
	err := s.db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(trialKey(id))
		if err != nil {
			return err
		}
		return json.Unmarshal([]byte(v), &t)
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return t, marketplace.Errorf(marketplace.ENOTFOUND, "No trial %s on this node.", id.Hex())
	}
	if err != nil {
		return t, fmt.Errorf("read trial %s: %w", id.Hex(), err)
	}
	return t, nil
}

// Trials returns the trials registered from this node, in id order.
func (s *Service) Trials(ctx context.Context) ([]marketplace.Trial, error) {
	var out []marketplace.Trial
	err := s.db.View(func(tx *buntdb.Tx) error {
		var derr error
		err := tx.AscendRange("", "trial:", "trial;", func(k, v string) bool {
			var t marketplace.Trial
			if derr = json.Unmarshal([]byte(v), &t); derr != nil {
				derr = fmt.Errorf("decode %s: %w", k, derr)
				return false
			}
			out = append(out, t)
			return true
		})
		return errors.Join(err, derr)
	})
	return out, err
}

// FindTrial returns the trial whose id or identifier is ref (ENOTFOUND).
func (s *Service) FindTrial(ctx context.Context, ref string) (marketplace.Trial, error) {
	ref = strings.TrimSpace(ref)
	if id, err := ledger.ParseLogID(ref); err == nil {
		return s.Trial(ctx, common.Hash(id))
	}
	ts, err := s.Trials(ctx)
	if err != nil {
		return marketplace.Trial{}, err
	}
	for _, t := range ts {
		if strings.EqualFold(t.Identifier, ref) {
			return t, nil
		}
	}
	return marketplace.Trial{}, marketplace.Errorf(marketplace.ENOTFOUND, "No trial %q on this node (give its id or identifier).", ref)
}

func (s *Service) putTrial(t marketplace.Trial) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(trialKey(t.ID), string(b), nil)
		return err
	})
}

func (s *Service) sponsorOf(ctx context.Context, id common.Hash) (common.Address, error) {
	t, err := s.Trial(ctx, id)
	return t.Sponsor, err
}
