package app

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// The wizard's dry runs are kept here, on the app's side, so that
// publishing what the user just saw need not anonymize the file again: a
// dry run for an owner is kept under an id issued to that owner
// (PreviewResult.ID), and a publish names the id (PublishRequest.Preview).
// A caller never hands in an anonymized table or a verdict: the app uses
// its own run only when it ran what the publish asks for, and checks the
// policy on it again.

// previewTTL is how long a dry run is kept for its owner to publish it.
const previewTTL = time.Hour

// maxPreviewsPerOwner bounds the dry runs (whole anonymized tables) kept
// for one owner: the oldest goes first.
const maxPreviewsPerOwner = 4

// keptPreview is one dry run and what it ran.
type keptPreview struct {
	owner   common.Address
	path    string // the file previewed ("" for a reader)
	table   string
	preset  string
	privacy *PrivacyParams
	sugg    []anonymize.Suggestion
	roles   map[string]string // the user's roles that differ from sugg
	asOf    time.Time
	result  *anonymize.Result
	// release is a release's dry run (PreviewRequest.Release), with the
	// secret it was keyed with; result is nil then.
	release *releaseRun
	secret  []byte
	created time.Time
}

// previews holds the kept dry runs of an App; the zero value is empty.
type previews struct {
	mu   sync.Mutex
	kept map[string]*keptPreview
}

// keep stores p and returns its new id. A dry run of the same file for
// the same owner replaces the earlier one (the user changed their mind).
func (ps *previews) keep(now time.Time, p *keptPreview) string {
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	p.created = now
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.sweep(now)
	if ps.kept == nil {
		ps.kept = map[string]*keptPreview{}
	}
	var oldest string
	n := 0
	for kid, k := range ps.kept {
		if k.owner != p.owner {
			continue
		}
		if p.path != "" && k.path == p.path {
			delete(ps.kept, kid)
			continue
		}
		n++
		if oldest == "" || k.created.Before(ps.kept[oldest].created) {
			oldest = kid
		}
	}
	if n >= maxPreviewsPerOwner {
		delete(ps.kept, oldest)
	}
	ps.kept[id] = p
	return id
}

// get returns owner's dry run id, or false (unknown, expired or another
// owner's).
func (ps *previews) get(now time.Time, owner common.Address, id string) (*keptPreview, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.sweep(now)
	p, ok := ps.kept[id]
	if !ok || p.owner != owner {
		return nil, false
	}
	return p, true
}

// sweep forgets the dry runs older than previewTTL; the caller holds mu.
func (ps *previews) sweep(now time.Time) {
	for id, p := range ps.kept {
		if now.Sub(p.created) > previewTTL {
			delete(ps.kept, id)
		}
	}
}

// ran reports whether the dry run ran what req publishes: the same file
// (or no file named: the dry run is the input), table, preset, privacy
// model and roles (a release: each table's), with the same secret and no
// config file or other reader.
func (p *keptPreview) ran(req *PublishRequest) bool {
	switch {
	case req.Reader != nil, req.ConfigFile != "", !bytes.Equal(req.Secret, p.secret), req.Release != (p.release != nil):
		return false
	case req.Release:
		return (req.Input == "" || req.Input == p.path) && req.Preset == p.preset && samePrivacy(req, p) && p.ranRelease(req)
	case req.Input != "" && req.Input != p.path:
		return false
	case req.Table != "" && req.Table != p.table:
		return false
	case req.Preset != p.preset:
		return false
	case !samePrivacy(req, p):
		return false
	}
	roles, err := roleOverrides(p.sugg, req.Roles)
	return err == nil && maps.Equal(roles, p.roles)
}

// samePrivacy says whether req's custom privacy model is the dry run's.
func samePrivacy(req *PublishRequest, p *keptPreview) bool {
	return req.Preset != PresetCustom || (req.Privacy != nil && p.privacy != nil && *req.Privacy == *p.privacy)
}

// previewedResult returns owner's dry run req.Preview when it ran what req
// publishes, its verdict checked again against the policy of the pipeline
// built here from req; nil when req names none or another run (the input
// is then anonymized again), EINVALID when there is no input to fall back
// on.
func (a *App) previewedResult(owner common.Address, req *PublishRequest) (*anonymize.Result, error) {
	p, pol, err := a.keptPreview(owner, req, func(p *keptPreview) bool { return p.result != nil })
	if p == nil {
		return nil, err
	}
	rep := *p.result.Report
	v := pol.Check(&rep)
	rep.Verdict = &v
	return &anonymize.Result{Table: p.result.Table, Report: &rep, Verdict: v}, nil
}

// previewedRelease is previewedResult for a release dry run: its one
// verdict judged again (ReleaseResult.Judge).
func (a *App) previewedRelease(owner common.Address, req *PublishRequest) (*releaseRun, error) {
	p, pol, err := a.keptPreview(owner, req, func(p *keptPreview) bool { return p.release != nil })
	if p == nil {
		return nil, err
	}
	run := *p.release
	rr := *run.result
	rr.Verdict, rr.Report = rr.Judge(pol)
	run.result = &rr
	return &run, nil
}

// keptPreview returns owner's dry run req.Preview when it ran what req
// publishes (and is of the kind want accepts), with the policy of the
// pipeline built here from req to judge it again; nil when req names none
// or another run, with EINVALID when there is no input to fall back on.
func (a *App) keptPreview(owner common.Address, req *PublishRequest, want func(*keptPreview) bool) (*keptPreview, anonymize.Policy, error) {
	if req.Preview == "" {
		return nil, anonymize.Policy{}, nil
	}
	p, ok := a.previews.get(a.asOf(), owner, req.Preview)
	if ok && p.ran(req) && want(p) {
		cfg, _, err := req.pipelineConfig()
		if err != nil {
			return nil, anonymize.Policy{}, err
		}
		pipe, err := cfg.Build(anonymize.Env{AsOf: p.asOf})
		if err != nil {
			return nil, anonymize.Policy{}, marketplace.Wrap(marketplace.EINVALID, err, "Anonymization config: %v", err)
		}
		return p, pipe.Policy, nil
	}
	if req.Input == "" && req.Reader == nil {
		return nil, anonymize.Policy{}, marketplace.Errorf(marketplace.EINVALID, "The anonymization preview has expired or ran other settings: preview the file again.")
	}
	return nil, anonymize.Policy{}, nil
}
