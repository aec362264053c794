package store

import "github.com/tidwall/buntdb"

// DB returns the underlying buntdb database (SyncPolicy Always), for the
// packages that keep their own keys in the node's store, such as the trial
// ledger (keys "ledger:" and "trial:"). They must not touch other keys.
func (s *Store) DB() *buntdb.DB { return s.db }
