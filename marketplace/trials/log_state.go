package trials

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// logState is what the service remembers of one trial's log between appends.
type logState struct {
	mu     sync.Mutex
	loaded bool
	size   uint64
	last   time.Time         // the time of the last entry: the next may not be earlier
	keys   map[string]uint64 // source key -> latest index; nil until needed
	team   *Team             // the log replayed; nil until loaded
	// subjects are the pseudonyms whose subject ids this process has kept.
	subjects map[string]bool
}

func (s *Service) state(id common.Hash) *logState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.logs[id]
	if st == nil {
		st = &logState{}
		s.logs[id] = st
	}
	return st
}

// load reads the log's size and last time; st.mu is held.
func (s *Service) load(ctx context.Context, id common.Hash, st *logState) error {
	if st.loaded {
		return nil
	}
	head, err := s.ledger.Head(ctx, ledger.LogID(id))
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		st.loaded = true
		return nil
	}
	if err != nil {
		return err
	}
	st.size = head.Size
	if head.Size > 0 {
		e, err := s.ledger.Entry(ctx, ledger.LogID(id), head.Size-1)
		if err != nil {
			return err
		}
		step, err := peekStep(e.Leaf)
		if err != nil {
			return marketplace.Wrap(marketplace.EINTERNAL, err, "The last entry of trial %s does not decode", id.Hex())
		}
		st.last = step.When
	}
	st.loaded = true
	return nil
}

// loadTeam replays the log into st.team; st.mu is held and st loaded.
func (s *Service) loadTeam(ctx context.Context, t marketplace.Trial, st *logState) error {
	if st.team != nil && st.team.Size() == st.size {
		return nil
	}
	tm, err := s.replay(ctx, t, st.size)
	if err != nil {
		return err
	}
	st.team = tm
	return nil
}

// replay replays the first size entries of t's log. The entries are this
// node's own, checked when they were appended: the replay reads them
// without recovering signatures.
func (s *Service) replay(ctx context.Context, t marketplace.Trial, size uint64) (*Team, error) {
	tm := NewTeam(t)
	const chunk = 4096
	for from := uint64(0); from < size; from += chunk {
		es, err := s.ledger.Entries(ctx, ledger.LogID(t.ID), from, min(from+chunk, size))
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			step, err := peekStep(e.Leaf)
			if err != nil {
				return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "Entry %d of trial %s does not decode", e.Index, t.ID.Hex())
			}
			tm.Apply(&step, tm.Check(&step) == nil)
		}
	}
	return tm, nil
}

// Team returns trial id's log replayed as it stands: its staff, designs,
// queries and locks. The caller owns it.
func (s *Service) Team(ctx context.Context, id common.Hash) (*Team, error) {
	t, err := s.Trial(ctx, id)
	if err != nil {
		return nil, err
	}
	head, err := s.ledger.Head(ctx, ledger.LogID(id))
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return NewTeam(t), nil
	} else if err != nil {
		return nil, err
	}
	return s.replay(ctx, t, head.Size)
}

// loadKeys indexes the source keys of the log; st.mu is held.
func (s *Service) loadKeys(ctx context.Context, id common.Hash, st *logState) error {
	if st.keys != nil {
		return nil
	}
	keys := map[string]uint64{}
	const chunk = 4096
	for from := uint64(0); from < st.size; from += chunk {
		es, err := s.ledger.Entries(ctx, ledger.LogID(id), from, from+chunk)
		if err != nil {
			return err
		}
		for _, e := range es {
			if step, err := peekStep(e.Leaf); err == nil && step.Source != nil && step.Source.Key != "" {
				keys[step.Source.Key] = e.Index
			}
		}
	}
	st.keys = keys
	return nil
}

// peekStep decodes the step of a leaf without checking its signature.
func peekStep(leaf []byte) (marketplace.Step, error) {
	var l leafJSON
	if err := json.Unmarshal(leaf, &l); err != nil {
		return marketplace.Step{}, err
	}
	var st marketplace.Step
	err := json.Unmarshal(l.Step, &st)
	return st, err
}
