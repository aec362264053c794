package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/pools"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// A release is a version of the pool's cohort listed for sale: the
// operator's node opens the current contributions with the pool's key,
// enforces the pool's k-anonymity over their union (patients in a group
// smaller than k wait for a later version, and are told why), joins the
// kept contributions' tables into one release package, and lists it with
// the pool's contract as the seller, so that every sale pays the pool.
// The version's entry in the pool log names exactly the contributions it
// holds; the card carries their Merkle root.
//
// Crash safety: blob, key, card and the version's entry-to-be are durable
// (a pending release) before the listing's transactions; the pool's next
// release finishes a pending one first (finding its listing on chain when
// the list transaction was mined). The pool's lock is held from the check
// of the union to the version's entry, so a withdrawal arriving meanwhile
// leaves the next version, as it would have had it arrived a moment later.

// StepPoolListed is the publish hook's step between a pool version's
// listing on chain and its entry in the pool log (crash tests).
const StepPoolListed = "pool listed"

// PoolUnion is the privacy check over the union of a pool's current
// contributions: which a release would hold and which would wait.
type PoolUnion struct {
	K       int
	Kept    []pools.Member
	Waiting []pools.Waiting
	// Withdrawn counts the patients who withdrew (and did not join again).
	Withdrawn int
	// Versions counts the versions released so far.
	Versions int
}

// PoolRelease is a released version.
type PoolRelease struct {
	Release pools.Release
	Listing uint64
	TxHash  common.Hash
	GasUsed uint64 // of the list transaction
}

// openedContribution is a contribution the hub decrypted.
type openedContribution struct {
	consent      *pools.Consent
	tables       []*anonymize.Table
	patientTable string // the manifest's ("" for one CSV table)
	qis          []string
}

// CheckPoolUnion opens the current contributions of a pool this node runs
// and checks its privacy model over their union.
func (a *App) CheckPoolUnion(ctx context.Context, pool common.Address) (PoolUnion, error) {
	key, err := a.poolKey(ctx, pool)
	if err != nil {
		return PoolUnion{}, err
	}
	var u PoolUnion
	err = a.withPoolLog(ctx, pool, func(pl *poolLog) error {
		_, u, err = a.poolUnion(ctx, pl.st, key)
		return err
	})
	return u, err
}

// poolUnion opens st's active contributions and checks k over them.
func (a *App) poolUnion(ctx context.Context, st *pools.State, key *vault.DatasetKey) (map[common.Address]*openedContribution, PoolUnion, error) {
	opened := make(map[common.Address]*openedContribution, len(st.Active))
	cands := make([]pools.Candidate, 0, len(st.Active))
	for acct, c := range st.Active {
		if err := ctx.Err(); err != nil {
			return nil, PoolUnion{}, err
		}
		oc, err := a.openHeld(ctx, key, c)
		if err != nil {
			return nil, PoolUnion{}, err
		}
		opened[acct] = oc
		cands = append(cands, pools.Candidate{Account: acct, Contribution: c.Contribution, Records: c.Records, QuasiIdentifiers: oc.qis})
	}
	kept, waiting := pools.CheckUnion(cands, st.Config.K)
	return opened, PoolUnion{K: st.Config.K, Kept: kept, Waiting: waiting, Withdrawn: len(st.Withdrawn), Versions: len(st.Releases)}, nil
}

// openHeld reads a held contribution's blob and opens it.
func (a *App) openHeld(ctx context.Context, key *vault.DatasetKey, c *pools.Consent) (*openedContribution, error) {
	f, _, err := a.market.blobs.Open(ctx, vault.Hash(c.Contribution))
	if err != nil {
		return nil, fmt.Errorf("contribution of %s: %w", c.Account.Hex(), err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("contribution of %s: %w", c.Account.Hex(), err)
	}
	m, tables, err := openContribution(key, buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("contribution of %s: %w", c.Account.Hex(), err)
	}
	return &openedContribution{consent: c, tables: tables, patientTable: m.PatientTable, qis: quasiIdentifiers(contributionPatients(m, tables))}, nil
}

// ReleasePool releases the next version of a pool this node runs, as its
// operator (EFORBIDDEN for anyone else). EINVALID when fewer than k
// contributions pass the privacy check over the union.
func (a *App) ReleasePool(ctx context.Context, who Actor, pool common.Address) (PoolRelease, error) {
	sg, release, err := a.asOperator(ctx, who, pool, "releases its versions")
	if err != nil {
		return PoolRelease{}, err
	}
	defer release()
	key, err := a.poolKey(ctx, pool)
	if err != nil {
		return PoolRelease{}, err
	}
	var out PoolRelease
	err = a.withPoolLog(ctx, pool, func(pl *poolLog) error {
		// A release a crash interrupted is this release: finish it.
		if pend, err := a.store.PendingRelease(ctx, pool); err == nil {
			out, err = a.finishPoolRelease(ctx, sg, pl, pend)
			if err == nil {
				a.log.Info("pool release finished after an interruption", "pool", pool, "version", out.Release.Version)
			}
			return err
		} else if marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
			return err
		}
		pend, err := a.preparePoolRelease(ctx, sg, pl.st, key)
		if err != nil {
			return err
		}
		out, err = a.finishPoolRelease(ctx, sg, pl, pend)
		return err
	})
	return out, err
}

// preparePoolRelease builds the next version and makes it durable as a
// pending release: blob, dataset key, card and publish record.
func (a *App) preparePoolRelease(ctx context.Context, sg *vault.Signer, st *pools.State, key *vault.DatasetKey) (store.PendingRelease, error) {
	cfg := st.Config
	opened, u, err := a.poolUnion(ctx, st, key)
	if err != nil {
		return store.PendingRelease{}, err
	}
	if len(u.Kept) < cfg.K {
		return store.PendingRelease{}, marketplace.Errorf(marketplace.EINVALID,
			"Pool %s: %d of %d contributions pass k = %d over the union; a version needs at least %d patients. The others wait for more patients like them.",
			cfg.Name, len(u.Kept), len(st.Active), cfg.K, cfg.K)
	}
	if n := len(st.Releases); n > 0 && slices.Equal(st.Releases[n-1].Members, u.Kept) {
		return store.PendingRelease{}, marketplace.Errorf(marketplace.ECONFLICT,
			"Pool %s: version %d already holds exactly these %d contributions; release again when patients join or leave.", cfg.Name, n, len(u.Kept))
	}
	var all []*anonymize.Table
	patientTable := ""
	for _, m := range u.Kept {
		oc := opened[m.Account]
		all = append(all, oc.tables...)
		if patientTable == "" {
			patientTable = oc.patientTable
		}
	}
	tables, err := anonymize.UnionByName(all)
	if err != nil {
		return store.PendingRelease{}, marketplace.Wrap(marketplace.EINVALID, err, "Pool %s: the contributions do not join", cfg.Name)
	}
	rel := pools.Release{Version: len(st.Releases) + 1, ConfigVersion: cfg.Version, Members: u.Kept,
		Root: pools.ContributionsRoot(u.Kept), Waiting: u.Waiting, At: a.now().UTC().Truncate(1e9)}
	m := poolManifest(patientTable, len(u.Kept))
	var pkg bytes.Buffer
	if err := anonymize.WriteReleaseZIP(&pkg, tables, m); err != nil {
		return store.PendingRelease{}, fmt.Errorf("encode pool version: %w", err)
	}
	dk, err := vault.NewDatasetKey()
	if err != nil {
		return store.PendingRelease{}, err
	}
	ct, err := dk.EncryptBytes(pkg.Bytes())
	if err != nil {
		return store.PendingRelease{}, err
	}
	content := common.Hash(sha256.Sum256(ct))
	rel.ContentHash = content
	p := &prepared{plain: pkg.Bytes(), card: poolCard(cfg, &rel, tables, patientTable)}
	if err := a.signCard(sg, p, content); err != nil {
		return store.PendingRelease{}, err
	}
	if _, _, err := a.market.blobs.Put(ctx, bytes.NewReader(ct)); err != nil {
		return store.PendingRelease{}, err
	}
	wrapped, err := a.market.nodeKey.Wrap(dk)
	if err != nil {
		return store.PendingRelease{}, err
	}
	now := a.now().UTC()
	if err := a.store.PutDatasetKey(ctx, store.DatasetKeyRecord{ContentHash: content, Wrapped: wrapped, Uploader: cfg.Contract, Created: now}); err != nil {
		return store.PendingRelease{}, err
	}
	pub := store.Publish{ContentHash: content, MetadataHash: marketplace.CardHash(p.encoded), Seller: cfg.Contract,
		State: store.PublishPending, Size: int64(len(ct)), Created: now, Salt: contracts.NewSalt()}
	if err := a.store.PutPublish(ctx, pub, p.encoded); err != nil {
		return store.PendingRelease{}, err
	}
	rj, err := json.Marshal(rel)
	if err != nil {
		return store.PendingRelease{}, err
	}
	pend := store.PendingRelease{Pool: cfg.Contract, ContentHash: content, Release: rj, Created: now}
	return pend, a.store.PutPendingRelease(ctx, pend)
}

// poolManifest is a pool version's manifest.
func poolManifest(patientTable string, patients int) anonymize.ReleaseManifest {
	return anonymize.ReleaseManifest{Format: FormatCSV, PatientTable: patientTable, Patients: patients, Linked: patientTable != "",
		Scheme: "A pool of patients' contributions: each patient's tables are linked by a keyed pseudonym drawn on that patient's own node " +
			"(a fresh key per contribution, never the source id), and each patient's dates are shifted by one offset of their own. " +
			"No two patients share a key, and nothing links a patient across versions."}
}

// poolCard is the dataset card of a pool version.
func poolCard(cfg *pools.Config, rel *pools.Release, tables []*anonymize.Table, patientTable string) *marketplace.DatasetCard {
	card := &marketplace.DatasetCard{Version: marketplace.CardVersion,
		Title:       fmt.Sprintf("%s (version %d)", cfg.Name, rel.Version),
		Description: cfg.Description, Tags: []string{"patient pool"}, Publisher: cfg.Name, Rows: uint64(len(rel.Members)),
		DataTypes: []string{}, Format: FormatCSV, Package: marketplace.PackageZIP,
		Pool: &marketplace.CardPool{Contract: cfg.Contract, Name: cfg.Name, Hub: cfg.Hub, Version: rel.Version,
			ConfigVersion: rel.ConfigVersion, Patients: len(rel.Members), Contributions: rel.Root, FeeBasisPoints: cfg.FeeBasisPoints, K: cfg.K}}
	main := tables[0]
	for _, t := range tables {
		if t.Name == patientTable {
			main = t
		}
		card.Tables = append(card.Tables, marketplace.CardTable{Name: t.Name, Rows: uint64(t.NumRows()), Columns: cardColumns(t)})
	}
	card.Columns = cardColumns(main)
	return card
}

// finishPoolRelease lists a pending release through the pool's contract
// (unless its listing is on chain already), appends the version to the
// pool log and marks the publish listed. The caller holds pl.mu.
func (a *App) finishPoolRelease(ctx context.Context, sg *vault.Signer, pl *poolLog, pend store.PendingRelease) (PoolRelease, error) {
	var rel pools.Release
	if err := json.Unmarshal(pend.Release, &rel); err != nil {
		return PoolRelease{}, fmt.Errorf("pool %s: pending release: %w", pend.Pool.Hex(), err)
	}
	pub, err := a.store.Publish(ctx, pend.ContentHash)
	if err != nil {
		return PoolRelease{}, err
	}
	out := PoolRelease{}
	id, r, err := a.listThroughPool(ctx, sg, pend.Pool, pub, pl.st.Config)
	if err != nil {
		return PoolRelease{}, err
	}
	rel.ListingID = id
	if err := a.publishStep(StepPoolListed); err != nil {
		return PoolRelease{}, err
	}
	if r != nil {
		out.TxHash, out.GasUsed = r.TxHash, r.GasUsed
		if ix, _, err := a.ready(); err == nil {
			if err := ix.IndexTx(ctx, r); err != nil {
				a.log.Warn("index pool listing", "tx", r.TxHash, "err", err)
			}
		}
	}
	if pl.st.Release(id) == nil {
		if _, err := a.appendPoolEntry(ctx, pend.Pool, pl, pools.Entry{Kind: pools.KindReleased, Release: &rel}); err != nil {
			return PoolRelease{}, fmt.Errorf("pool %s: version %d is listed (%d) but cannot enter the log: %w", pend.Pool.Hex(), rel.Version, id, err)
		}
	}
	pub.State, pub.ListingID = store.PublishListed, id
	if r != nil {
		pub.TxHash = r.TxHash
	}
	if err := a.store.PutPublish(ctx, pub, nil); err != nil {
		return PoolRelease{}, err
	}
	if err := a.store.DeletePendingRelease(ctx, pend.Pool); err != nil {
		return PoolRelease{}, err
	}
	out.Release, out.Listing = rel, id
	a.log.Info("pool version released", "pool", pend.Pool, "version", rel.Version, "listing", id, "patients", len(rel.Members), "waiting", len(rel.Waiting))
	return out, nil
}

// listThroughPool lists a publish with the pool's contract as its seller
// (commit, then list in a later block) and returns its listing id; the
// receipt is nil when the listing was on chain already.
func (a *App) listThroughPool(ctx context.Context, sg *vault.Signer, pool common.Address, pub store.Publish, cfg *pools.Config) (uint64, *types.Receipt, error) {
	if pub.State == store.PublishListed {
		return pub.ListingID, nil, nil
	}
	if id, ok, err := a.listedBy(ctx, pool, pub.ContentHash); err != nil || ok {
		return id, nil, err
	}
	pp := contracts.NewPoolPayouts()
	commitment := contracts.Commitment(pool, pub.ContentHash, pub.Salt)
	at, err := call(ctx, a, a.market.abi.PackCommitBlock(commitment), a.market.abi.UnpackCommitBlock)
	if err != nil {
		return 0, nil, err
	}
	if at.Sign() == 0 {
		if _, err := a.sendTo(ctx, sg, pool, nil, pp.PackCommit(commitment)); err != nil {
			return 0, nil, marketplace.Wrap(marketplace.ErrorCode(err), err, "Cannot commit to listing pool version %s", pub.ContentHash.Hex())
		}
	}
	price := cfg.Price
	if price == nil {
		price = new(big.Int)
	}
	r, err := a.sendTo(ctx, sg, pool, nil, pp.PackList(pub.ContentHash, pub.Salt, price, cfg.Terms.Pack(), pub.MetadataHash, a.PublicURL()))
	if err != nil {
		return 0, nil, err
	}
	for _, lg := range r.Logs {
		if ev, err := a.market.abi.UnpackListedEvent(lg); err == nil {
			return ev.Id.Uint64(), r, nil
		}
	}
	return 0, nil, fmt.Errorf("pool %s: the list transaction %s emitted no Listed event", pool.Hex(), r.TxHash.Hex())
}

// listedBy finds seller's listing of content on chain (a list transaction
// mined before a crash), from the market's Listed events.
func (a *App) listedBy(ctx context.Context, seller common.Address, content common.Hash) (uint64, bool, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return 0, false, err
	}
	ev := a.market.abi.GetABI().Events["Listed"]
	logs, err := a.chain.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(a.deployment.DeployBlock),
		Addresses: []common.Address{addr}, Topics: [][]common.Hash{{ev.ID}, nil, {common.BytesToHash(seller[:])}, {content}}})
	if err != nil {
		return 0, false, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the market's events from %s", a.chain.Endpoint())
	}
	for i := range logs {
		if e, err := a.market.abi.UnpackListedEvent(&logs[i]); err == nil {
			return e.Id.Uint64(), true, nil
		}
	}
	return 0, false, nil
}

// sendTo sends calldata to a contract other than the market (a pool's) as
// sg and waits for it to be mined; refusals come back decoded.
func (a *App) sendTo(ctx context.Context, sg *vault.Signer, to common.Address, value *big.Int, data []byte) (*types.Receipt, error) {
	r, err := chain.Transact(ctx, a.chain, sg.TransactOpts(ctx, a.chainID), &to, value, data)
	if err != nil {
		return r, contracts.DecodeRevert(err)
	}
	return r, nil
}
