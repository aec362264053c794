package frontend

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// A patient's pools (My data > Pools): the pools a hub hosts, what joining
// one shares and earns (the pipeline run here over the patient's own
// records file, uploaded into the data directory as the publish wizard
// does, or read where it is in the desktop window: nothing leaves the
// machine before the patient confirms), the pools
// the patient is in with the versions that hold their records, their
// earnings, a claim and a withdrawal. The hub the patient browses is kept
// in a cookie; the hubs of their pools are known from their memberships.

// PoolService is what the pool pages need of the application
// (app/pool_*.go).
type PoolService interface {
	PoolsAt(ctx context.Context, hub string) ([]app.PoolInfo, error)
	PreviewPoolJoin(ctx context.Context, req app.PoolJoinRequest) (app.PoolPreview, error)
	JoinPool(ctx context.Context, who app.Actor, req app.PoolJoinRequest) (app.Joined, error)
	WithdrawFromPool(ctx context.Context, who app.Actor, pool common.Address) (app.PoolMembership, error)
	Memberships(ctx context.Context) ([]app.PoolMembership, error)
	PoolStandingOf(ctx context.Context, hub string, pool, account common.Address) (app.PoolStanding, error)
	ClaimFromPool(ctx context.Context, who app.Actor, hub string, pool, account common.Address) (app.PoolClaim, error)
	PublicURL() string

	CreatePool(ctx context.Context, who app.Actor, req app.PoolRequest) (app.PoolConfig, error)
	OperatedPools(ctx context.Context) ([]app.PoolInfo, error)
	OperatedPoolOf(ctx context.Context, pool common.Address) (app.OperatedPool, error)
	CheckPoolUnion(ctx context.Context, pool common.Address) (app.PoolUnion, error)
	ReleasePool(ctx context.Context, who app.Actor, pool common.Address) (app.PoolRelease, error)
	PostPoolPayout(ctx context.Context, who app.Actor, pool common.Address) (app.PoolPayout, error)
}

// poolsPath is the patient's pools page.
const poolsPath = "/mydata/pools/"

// poolHubCookie remembers the hub a patient browsed last.
const poolHubCookie = "medmarket_pool_hub"

func poolsPagePath(*http.Request) string { return poolsPath }

// poolsView is the patient's pools page.
type poolsView struct {
	Hub      string
	Pools    []app.PoolInfo // at Hub
	Mine     []myPool
	Message  string
	Problems map[string]string // field -> the app's reason, shown next to it
}

// myPool is a pool the session's account is in (or was).
type myPool struct {
	Membership app.PoolMembership
	Standing   app.PoolStanding
	Problem    string // the standing could not be read
}

func (v poolsView) problem(field string) string { return v.Problems[field] }

// poolFieldName names a per-pool field of the page ("withdraw:0x…").
func poolFieldName(action string, pool common.Address) string { return action + ":" + pool.Hex() }

// poolsHub is the hub the page shows as the form or the cookie names it;
// "" for none (loadPoolsView then picks one).
func poolsHub(r *http.Request) string {
	if h := strings.TrimSpace(r.URL.Query().Get("hub")); h != "" {
		return h
	}
	if c, err := r.Cookie(poolHubCookie); err == nil {
		if h, err := url.QueryUnescape(c.Value); err == nil {
			return h
		}
	}
	return ""
}

// loadPoolsView reads the page: the pools at hub and the session's pools
// with their standing. Without a hub (the desktop window keeps no cookie)
// it shows the hub of the pool the account joined last, else this node's
// own. A hub that cannot be read is said next to its field.
func loadPoolsView(ctx context.Context, svc PoolService, account common.Address, hub string) (poolsView, error) {
	v := poolsView{Problems: map[string]string{}}
	ms, err := svc.Memberships(ctx)
	if err != nil {
		return v, err
	}
	var last app.PoolMembership
	for _, m := range ms {
		if m.Account != account {
			continue
		}
		if m.Joined.After(last.Joined) {
			last = m
		}
		mp := myPool{Membership: m}
		if mp.Standing, err = svc.PoolStandingOf(ctx, m.Hub, m.Pool, account); err != nil {
			mp.Problem = marketplace.ErrorMessage(err)
		}
		v.Mine = append(v.Mine, mp)
	}
	switch {
	case hub != "":
	case last.Hub != "":
		hub = last.Hub
	default:
		hub = svc.PublicURL()
	}
	v.Hub = hub
	if hub != "" {
		ps, err := svc.PoolsAt(ctx, hub)
		if err != nil {
			v.Problems["hub"] = marketplace.ErrorMessage(err)
		}
		v.Pools = ps
	}
	return v, nil
}

// renderPools answers with the pools page, with msg or a problem next to
// field (the app's message for err).
func renderPools(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc PoolService, hub, field, msg string, err error) {
	s, _ := sessionFrom(r.Context())
	v, lerr := loadPoolsView(r.Context(), svc, s.Address(), hub)
	if lerr != nil {
		renderError(w, r, logger, lerr)
		return
	}
	status := http.StatusOK
	if err != nil {
		if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
			renderError(w, r, logger, err)
			return
		}
		status = httpStatus(marketplace.ErrorCode(err))
		v.Problems[field] = marketplace.ErrorMessage(err)
	} else {
		v.Message = msg
	}
	stayAt(w, r, poolsPath)
	render(w, r, logger, status, page{Title: "Pools", Section: "pools", Content: poolsPage(v)})
}

// stayAt keeps the address bar at the page path after an htmx (boosted)
// post, which would otherwise show the action's URL, not a page.
func stayAt(w http.ResponseWriter, r *http.Request, path string) {
	if isHTMX(r) && r.Method == http.MethodPost {
		w.Header().Set("HX-Replace-Url", path)
	}
}

// handlePoolsPage handles GET /mydata/pools/: the pools at the hub given
// (remembered) and the session's pools.
func handlePoolsPage(logger *slog.Logger, svc PoolService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hub := poolsHub(r)
		if r.URL.Query().Has("hub") {
			http.SetCookie(w, &http.Cookie{Name: poolHubCookie, Value: url.QueryEscape(hub), Path: poolsPath,
				MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		}
		renderPools(w, r, logger, svc, hub, "", "", nil)
	})
}

// poolAddress reads the {pool} path value.
func poolAddress(r *http.Request) (common.Address, error) {
	s := r.PathValue("pool")
	if !common.IsHexAddress(s) {
		return common.Address{}, marketplace.Errorf(marketplace.EINVALID, "Pool: %q is not a contract address.", s)
	}
	return common.HexToAddress(s), nil
}

// poolJoinView is what joining a pool shares, with the confirmation form.
type poolJoinView struct {
	Hub      string
	Preview  app.PoolPreview
	Upload   string // the wizard store's id of the patient's file
	Problems map[string]string
	// Consent is the box as ticked.
	Consent bool
}

// perSale is about what one sale of a version holding the pool's members
// and the patient pays the patient: the price less the operator's fee,
// shared by records (everyone with as many records as the patient).
func (v poolJoinView) perSale() *big.Int {
	c := v.Preview.Pool.Config
	if c.Price == nil {
		return new(big.Int)
	}
	net := new(big.Int).Mul(c.Price, big.NewInt(int64(10000-int(c.FeeBasisPoints))))
	net.Quo(net, big.NewInt(10000))
	return net.Quo(net, big.NewInt(int64(v.Preview.Pool.Members+1)))
}

// handlePoolPreview handles POST /mydata/pools/{pool}/preview?hub=URL: the
// patient's records file (multipart, saved into the data directory) run
// through the pool's pipeline here; answers with what joining shares and
// the confirmation form.
func handlePoolPreview(logger *slog.Logger, svc Service, wz *wizardStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		hub := strings.TrimSpace(r.URL.Query().Get("hub"))
		pool, err := poolAddress(r)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		f, err := readUploadForm(w, r, svc)
		if err != nil {
			renderPools(w, r, logger, svc, hub, poolFieldName("file", pool), "", err)
			return
		}
		renderPoolPreview(w, r, logger, svc, wz, wz.put(s.Address(), f.Name, "", f.Saved), hub, pool)
	})
}

// handlePoolLocal handles POST /mydata/pools/{pool}/local?hub=URL, in the
// desktop window only: the records file the patient chose in the native
// dialog is read where it is (nothing copied), as for the preview.
// Elsewhere it is refused: a browser's visitor must not name files on the
// server's disk.
func handlePoolLocal(logger *slog.Logger, svc Service, wz *wizardStore, window bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !window {
			renderError(w, r, logger, errLocalPath)
			return
		}
		s, _ := sessionFrom(r.Context())
		hub := strings.TrimSpace(r.URL.Query().Get("hub"))
		pool, err := poolAddress(r)
		if err == nil {
			err = parseSmallForm(w, r)
		}
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		u, err := wz.putLocal(s.Address(), strings.TrimSpace(r.PostForm.Get("path")), "")
		if err != nil {
			renderPools(w, r, logger, svc, hub, poolFieldName("file", pool), "", err)
			return
		}
		renderPoolPreview(w, r, logger, svc, wz, u, hub, pool)
	})
}

// renderPoolPreview runs pool's pipeline over the upload u and answers
// with what joining shares; a refusal is shown by the pool's file field
// and the upload dropped.
func renderPoolPreview(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc Service, wz *wizardStore, u *wizardUpload, hub string, pool common.Address) {
	prev, err := svc.PreviewPoolJoin(r.Context(), app.PoolJoinRequest{Hub: hub, Pool: pool, Path: u.Path})
	if err != nil {
		wz.drop(u.ID)
		renderPools(w, r, logger, svc, hub, poolFieldName("file", pool), "", err)
		return
	}
	v := poolJoinView{Hub: hub, Preview: prev, Upload: u.ID, Problems: map[string]string{}}
	stayAt(w, r, poolsPath)
	render(w, r, logger, http.StatusOK, page{Title: "Join " + prev.Pool.Config.Name, Section: "pools", Content: poolJoinPage(v)})
}

// handlePoolJoin handles POST /mydata/pools/{pool}/join: the patient
// confirms what the preview showed and signs their consent (the
// passphrase typed again); the pipeline runs again over the same file and
// the contribution is uploaded. A pool whose configuration changed since
// the preview is refused. The file is discarded once joined.
func handlePoolJoin(logger *slog.Logger, svc Service, wz *wizardStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		pool, err := poolAddress(r)
		if err == nil {
			err = parseSmallForm(w, r)
		}
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		hub := strings.TrimSpace(r.PostForm.Get("hub"))
		u, err := wz.get(s.Address(), r.PostForm.Get("upload"))
		if err != nil {
			renderPools(w, r, logger, svc, hub, poolFieldName("file", pool), "", err)
			return
		}
		version, _ := strconv.Atoi(r.PostForm.Get("version"))
		req := app.PoolJoinRequest{Hub: hub, Pool: pool, Path: u.Path, ConfigVersion: version}
		v := poolJoinView{Hub: hub, Upload: u.ID, Problems: map[string]string{}, Consent: r.PostForm.Get("consent") != ""}
		field := ""
		switch {
		case !v.Consent:
			field, err = "consent", marketplace.Errorf(marketplace.EINVALID, "Consent: tick the box to say you agree to share what is shown above.")
		case r.PostForm.Get("passphrase") == "":
			field, err = "passphrase", marketplace.Errorf(marketplace.EINVALID, "Passphrase: type it to sign your consent.")
		default:
			token, _ := sessionTokenFrom(r.Context())
			field = "join"
			_, err = svc.JoinPool(r.Context(), app.BySessionSigning(token, r.PostForm.Get("passphrase")), req)
		}
		if err == nil {
			wz.drop(u.ID)
			redirectTo(w, r, poolsPath+"?hub="+url.QueryEscape(hub))
			return
		}
		if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
			renderError(w, r, logger, err)
			return
		}
		prev, perr := svc.PreviewPoolJoin(r.Context(), req)
		if perr != nil { // the pool changed or went away: start again from the list
			wz.drop(u.ID)
			renderPools(w, r, logger, svc, hub, poolFieldName("file", pool), "", perr)
			return
		}
		v.Preview, v.Problems[field] = prev, marketplace.ErrorMessage(err)
		stayAt(w, r, poolsPath)
		render(w, r, logger, httpStatus(marketplace.ErrorCode(err)), page{Title: "Join " + prev.Pool.Config.Name, Section: "pools", Content: poolJoinPage(v)})
	})
}

// handlePoolClaim handles POST /mydata/pools/{pool}/claim: pays the
// session's account its share up to the latest payout round.
func handlePoolClaim(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := actorOf(r)
		pool, err := poolAddress(r)
		if err == nil {
			err = parseSmallForm(w, r)
		}
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		hub := strings.TrimSpace(r.PostForm.Get("hub"))
		c, err := svc.ClaimFromPool(r.Context(), who, hub, pool, common.Address{})
		msg := ""
		if err == nil {
			msg = fmt.Sprintf("Claimed %s from payout round %d.", ether(c.Paid), c.Round)
		}
		renderPools(w, r, logger, svc, poolsHub(r), poolFieldName("claim", pool), msg, err)
	})
}

// handlePoolWithdraw handles POST /mydata/pools/{pool}/withdraw: after the
// patient ticked the confirmation and typed their passphrase, signs their
// withdrawal. Versions already released stay licensed to their buyers.
func handlePoolWithdraw(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pool, err := poolAddress(r)
		if err == nil {
			err = parseSmallForm(w, r)
		}
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		switch {
		case r.PostForm.Get("confirm") == "":
			err = marketplace.Errorf(marketplace.EINVALID, "Withdraw: tick the box to confirm; versions already sold stay licensed to their buyers.")
		case r.PostForm.Get("passphrase") == "":
			err = marketplace.Errorf(marketplace.EINVALID, "Passphrase: type it to sign your withdrawal.")
		default:
			token, _ := sessionTokenFrom(r.Context())
			_, err = svc.WithdrawFromPool(r.Context(), app.BySessionSigning(token, r.PostForm.Get("passphrase")), pool)
		}
		renderPools(w, r, logger, svc, poolsHub(r), poolFieldName("withdraw", pool),
			"You withdrew: the pool's next versions leave your records out.", err)
	})
}

// feePercent shows basis points as a percentage ("5 %", "2.5 %").
func feePercent(bp uint16) string {
	return strconv.FormatFloat(float64(bp)/100, 'f', -1, 64) + " %"
}
