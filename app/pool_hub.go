package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
	"github.com/medmarket/medmarket/marketplace/pools"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// The hub's side of the pool routes (provider.PoolBackend): the pools this
// node runs, their logs, and the contributions and withdrawals patients'
// nodes send. The provider checked each request's signature, pool, chain
// and freshness; here the pool's rules are checked against its log, under
// the pool's lock, before the entry is appended.

var _ provider.PoolBackend = providerBackend{}

// contributionLimits bound what a hub opens of a contribution: one
// patient's record, transformed.
const (
	maxContributionPlain   = provider.MaxContributionBytes * 8
	maxContributionEntries = 200
)

// PoolInfos lists the pools this node runs.
func (b providerBackend) PoolInfos(ctx context.Context) ([]provider.PoolInfo, error) {
	recs, err := b.a.store.OperatedPools(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]provider.PoolInfo, 0, len(recs))
	for _, r := range recs {
		info, err := b.PoolInfo(ctx, r.Contract)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// PoolInfo describes a pool this node runs.
func (b providerBackend) PoolInfo(ctx context.Context, pool common.Address) (provider.PoolInfo, error) {
	if _, err := b.a.operatedPool(ctx, pool); err != nil {
		return provider.PoolInfo{}, err
	}
	var info provider.PoolInfo
	err := b.a.withPoolLog(ctx, pool, func(pl *poolLog) error {
		info = provider.PoolInfo{Config: *pl.st.Config, Members: len(pl.st.Active), Versions: len(pl.st.Releases),
			Rounds: len(pl.st.Rounds), LogSize: uint64(len(pl.leaves))}
		return nil
	})
	return info, err
}

// PoolLog writes the log of a pool this node runs as a ledger bundle:
// every entry with its inclusion proof, the signed checkpoints up to a
// checkpoint of its current size.
func (b providerBackend) PoolLog(ctx context.Context, pool common.Address, w io.Writer) error {
	if _, err := b.a.operatedPool(ctx, pool); err != nil {
		return err
	}
	lg, err := b.a.poolLedger()
	if err != nil {
		return err
	}
	id := b.a.poolLogID(pool)
	// Signs the log's current size (or finds it signed): appends do not sign.
	if _, err := lg.Checkpoint(ctx, id); err != nil {
		return err
	}
	bundle, err := lg.Export(ctx, id)
	if err != nil {
		return err
	}
	return ledger.WriteBundle(w, bundle)
}

// PoolRound returns the entitlements of payout round n as posted.
func (b providerBackend) PoolRound(ctx context.Context, pool common.Address, n uint64) (provider.RoundReply, error) {
	var out provider.RoundReply
	err := b.a.withPoolLog(ctx, pool, func(pl *poolLog) error {
		if n == 0 || n > uint64(len(pl.st.Rounds)) {
			return marketplace.Errorf(marketplace.ENOTFOUND, "Pool %s has no payout round %d (%d posted).", pool.Hex(), n, len(pl.st.Rounds))
		}
		out.Round = *pl.st.Rounds[n-1]
		return nil
	})
	if err != nil {
		return out, err
	}
	raw, err := b.a.store.PoolRound(ctx, pool, n)
	if err != nil {
		return provider.RoundReply{}, err
	}
	if err := json.Unmarshal(raw, &out.Entitlements); err != nil {
		return provider.RoundReply{}, err
	}
	return out, nil
}

// Contribute stores a patient's encrypted contribution and records the
// consent. The blob must be the one consented to (its SHA-256), open with
// the pool's key and hold one patient's release package with the records
// the consent counts; the consent must name the pool's current
// configuration and be newer than the account's withdrawal, if any. The
// same contribution sent again is acknowledged, recorded once.
func (b providerBackend) Contribute(ctx context.Context, c pools.Consent, blob io.Reader) (provider.ContributionReply, error) {
	a := b.a
	rep := provider.ContributionReply{Pool: c.Pool, Account: c.Account, Contribution: c.Contribution}
	key, err := a.poolKey(ctx, c.Pool)
	if err != nil {
		return rep, err
	}
	// Accounts cost nothing to make: the hub's policy bounds who fills its disk.
	if err := b.AdmitUploader(ctx, c.Account); err != nil {
		return rep, err
	}
	ct, err := io.ReadAll(blob)
	if err != nil {
		return rep, marketplace.Wrap(marketplace.EINVALID, err, "Contribution: the body could not be read")
	}
	if got := common.Hash(sha256.Sum256(ct)); got != c.Contribution {
		return rep, marketplace.Errorf(marketplace.EINVALID, "Contribution refused: its bytes hash to %s, the consent names %s.", got.Hex(), c.Contribution.Hex())
	}
	if err := checkContribution(key, ct, c.Records); err != nil {
		return rep, err
	}
	err = a.withPoolLog(ctx, c.Pool, func(pl *poolLog) error {
		st := pl.st
		if cur, ok := st.Active[c.Account]; ok && cur.Contribution == c.Contribution {
			rep.Already = true
			return nil
		}
		if c.ConfigVersion != st.Config.Version {
			return marketplace.Errorf(marketplace.ECONFLICT, "Contribution refused: it was made for configuration %d of the pool; the pool is at %d now: join again.", c.ConfigVersion, st.Config.Version)
		}
		if w, ok := st.Withdrawn[c.Account]; ok && !c.At.After(w) {
			return marketplace.Errorf(marketplace.EFORBIDDEN, "Contribution refused: the consent was signed at %s, before the account withdrew (%s).", c.At.UTC(), w.UTC())
		}
		if cur, ok := st.Active[c.Account]; ok && !c.At.After(cur.At) {
			return marketplace.Errorf(marketplace.ECONFLICT, "Contribution refused: the account's current consent is newer (%s).", cur.At.UTC())
		}
		if err := a.holdPoolBlob(ctx, c, ct); err != nil {
			return err
		}
		idx, err := a.appendPoolEntry(ctx, c.Pool, pl, pools.Entry{Kind: pools.KindJoined, Consent: &c})
		rep.Index = idx
		return err
	})
	return rep, err
}

// holdPoolBlob stores a contribution's blob and its record.
func (a *App) holdPoolBlob(ctx context.Context, c pools.Consent, ct []byte) error {
	sum, _, err := a.market.blobs.Put(ctx, bytes.NewReader(ct))
	if err != nil {
		return err
	}
	// The start-up cleanup (under a.hub.mu) removes blobs no record names:
	// the record is written before it can run again.
	a.hub.mu.Lock()
	defer a.hub.mu.Unlock()
	if ok, err := a.market.blobs.Has(ctx, sum); err != nil || !ok {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Contribution %s crossed a cleanup; send it again.", c.Contribution.Hex())
	}
	return a.store.PutPoolBlob(ctx, store.PoolBlob{ContentHash: common.Hash(sum), Pool: c.Pool, Account: c.Account, Created: a.now().UTC()})
}

// checkContribution opens a contribution with the pool's key: it must be
// one patient's release package holding the records its consent counts.
func checkContribution(key *vault.DatasetKey, ct []byte, records int) error {
	m, tables, err := openContribution(key, ct)
	if err != nil {
		return err
	}
	n := 0
	for _, t := range tables {
		n += t.NumRows()
	}
	if n != records {
		return marketplace.Errorf(marketplace.EINVALID, "Contribution refused: it holds %d records, the consent counts %d.", n, records)
	}
	if p := contributionPatients(m, tables); p.NumRows() != 1 {
		return marketplace.Errorf(marketplace.EINVALID, "Contribution refused: table %s has %d rows, one patient's record has one.", p.Name, p.NumRows())
	}
	return nil
}

// openContribution decrypts and reads a contribution's release package.
func openContribution(key *vault.DatasetKey, ct []byte) (*anonymize.ReleaseManifest, []*anonymize.Table, error) {
	r, err := key.Decrypt(bytes.NewReader(ct))
	if err != nil {
		return nil, nil, marketplace.Wrap(marketplace.EINVALID, err, "Contribution refused: it does not open with the pool's key")
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxContributionPlain+1))
	if err != nil {
		return nil, nil, marketplace.Wrap(marketplace.EINVALID, err, "Contribution refused: it does not decrypt")
	}
	m, tables, err := anonymize.ReadReleaseZIP(bytes.NewReader(plain), int64(len(plain)),
		anonymize.ZIPLimits{MaxEntryBytes: maxContributionPlain, MaxTotalBytes: maxContributionPlain, MaxEntries: maxContributionEntries})
	if err != nil {
		return nil, nil, marketplace.Wrap(marketplace.EINVALID, err, "Contribution refused: not a release package")
	}
	if len(tables) == 0 {
		return nil, nil, marketplace.Errorf(marketplace.EINVALID, "Contribution refused: it holds no table.")
	}
	return m, tables, nil
}

// contributionPatients is a contribution's table with one row per
// patient: the manifest's patient table, or the one table.
func contributionPatients(m *anonymize.ReleaseManifest, tables []*anonymize.Table) *anonymize.Table {
	for _, t := range tables {
		if t.Name == m.PatientTable {
			return t
		}
	}
	return tables[0]
}

// Withdraw records a patient's withdrawal of consent: the account's
// contribution leaves every later version (versions already released stay
// as sold). It must be newer than the account's current consent.
func (b providerBackend) Withdraw(ctx context.Context, w pools.Withdrawal) (provider.PoolReceipt, error) {
	rep := provider.PoolReceipt{Pool: w.Pool, Account: w.Account}
	if _, err := b.a.operatedPool(ctx, w.Pool); err != nil {
		return rep, err
	}
	err := b.a.withPoolLog(ctx, w.Pool, func(pl *poolLog) error {
		cur, ok := pl.st.Active[w.Account]
		if !ok {
			return marketplace.Errorf(marketplace.ENOTFOUND, "Account %s has no contribution in pool %s.", w.Account.Hex(), w.Pool.Hex())
		}
		if !w.At.After(cur.At) {
			return marketplace.Errorf(marketplace.ECONFLICT, "Withdrawal refused: it was signed at %s, before the account's current consent (%s).", w.At.UTC(), cur.At.UTC())
		}
		idx, err := b.a.appendPoolEntry(ctx, w.Pool, pl, pools.Entry{Kind: pools.KindWithdrawn, Withdrawal: &w})
		rep.Index = idx
		return err
	})
	return rep, err
}
