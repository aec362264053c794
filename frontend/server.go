package frontend

import (
	"context"
	"embed"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// Service is what the UI needs from the application.
type Service interface {
	TrialService    // the sponsors' and auditors' pages
	AccountService  // creating and importing accounts (account.go)
	ConfigService   // saved release configurations (configs.go)
	QuestionService // questions before buying (questions.go)
	PoolService     // patient pools (pools.go, pools_operator.go)

	Status(ctx context.Context) (app.Status, error)
	ChainStatus(ctx context.Context) (app.ChainStatus, error)
	RenameNode(ctx context.Context, name string) (marketplace.Node, error)

	Accounts(ctx context.Context) ([]marketplace.Account, error)
	SignIn(ctx context.Context, account, passphrase string) (token string, s marketplace.Session, err error)
	Session(ctx context.Context, token string) (marketplace.Session, error)
	SignOut(ctx context.Context, token string) error
	SetAccountRoles(ctx context.Context, who app.Actor, roles []marketplace.Role) (marketplace.Roles, error)

	// The marketplace (market_handlers.go, market_mydata.go).
	Search(ctx context.Context, f marketplace.CatalogFilter) ([]*marketplace.Listing, int, error)
	CatalogFacets(ctx context.Context, f marketplace.CatalogFilter) (*marketplace.CatalogFacets, error)
	Listing(ctx context.Context, id uint64) (*marketplace.Listing, error)
	HasLicence(ctx context.Context, id uint64, who common.Address) (bool, error)
	BuyPreview(ctx context.Context, buyer common.Address, id uint64) (app.BuyQuote, error)
	Buy(ctx context.Context, who app.Actor, id uint64, conf app.BuyConfirmation) (app.Purchase, error)
	Download(ctx context.Context, who app.Actor, id uint64, dst app.DownloadRequest) (app.Downloaded, error)
	Licences(ctx context.Context, account common.Address) ([]app.LicenceView, error)
	AddSeat(ctx context.Context, who app.Actor, id uint64, member common.Address) error
	RemoveSeat(ctx context.Context, who app.Actor, id uint64, member common.Address) error
	MyDatasets(ctx context.Context, seller common.Address) (app.MySales, error)
	SetPrice(ctx context.Context, who app.Actor, id uint64, wei *big.Int) error
	Delist(ctx context.Context, who app.Actor, id uint64) error
	Withdraw(ctx context.Context, who app.Actor) (*big.Int, error)
	RetryPublish(ctx context.Context, who app.Actor, content common.Hash, price *big.Int, terms marketplace.Terms) (app.Published, error)
	DiscardDraft(ctx context.Context, who app.Actor, content common.Hash) (app.Discarded, error)
	PreviewAnonymization(ctx context.Context, req app.PreviewRequest) (app.PreviewResult, error)
	SaveUploadFile(ctx context.Context, id, name string, r io.Reader) (app.Upload, error)
	DiscardUpload(ctx context.Context, id string) error
	Publish(ctx context.Context, who app.Actor, req app.PublishRequest) (app.Published, error)
	PublishPreview(ctx context.Context, seller common.Address, price *big.Int, terms marketplace.Terms, providerChoice string) (app.CostPreview, error)
}

// Options tune the handler for where it runs.
type Options struct {
	// TrustedOrigins may send non-GET requests in addition to same-origin
	// pages, e.g. "wails://wails" for the desktop window.
	TrustedOrigins []string
	// Window serves the desktop window: one local user, signed in once per
	// run and kept in memory, since the window keeps no cookies.
	Window bool
	// Hosts are the Host names the UI answers to besides the loopback
	// names (localhost, 127.0.0.1, [::1], on any port): the listen address
	// when it is not loopback, a reverse proxy's name. "NAME" matches on
	// any port, "NAME:PORT" on that port. Any other Host is refused (421),
	// so a page of another site whose name resolves to this node (DNS
	// rebinding) reaches nothing. The desktop window's own host is
	// accepted in Window mode.
	Hosts []string
	// RunWait is how long the publish wizard's anonymization request waits
	// for the report before answering with the run's progress, which the
	// page then polls (0: one second; negative: answer with progress at once).
	RunWait time.Duration
	// Context is the server's lifetime: when it ends, the publish wizard's
	// runs are cancelled and its uploads discarded. nil: never (tests).
	Context context.Context
	// Now is the wizard's clock, for the expiry of uploads; nil: time.Now.
	Now func() time.Time
}

//go:embed static
var staticFS embed.FS

// htmxConfig keeps htmx within the Content-Security-Policy (no inline styles,
// no eval) and lets error responses swap in, so refusals are shown where the
// user acted; 422 (input refused, with its reason) is an expected answer, not an error.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"422","swap":true},{"code":"[45]..","swap":true,"error":true}]}`

// NewServer returns the UI's handler with every route and middleware in place.
func NewServer(logger *slog.Logger, svc Service, opts Options) (http.Handler, error) {
	mux := http.NewServeMux()
	static, err := newStaticHandler(staticFS, "static")
	if err != nil {
		return nil, err
	}
	var ws *windowSession
	if opts.Window {
		ws = &windowSession{}
	}
	wizards := newWizardStore(logger, svc, opts.Context, opts.Now) // publish wizard uploads and runs (market_publish*.go)
	if opts.RunWait != 0 {
		wizards.runWait = max(opts.RunWait, 0)
	}
	addRoutes(mux, logger, svc, static, ws, wizards)

	cop := http.NewCrossOriginProtection()
	for _, o := range opts.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		renderError(w, r, logger, marketplace.Errorf(marketplace.EFORBIDDEN,
			"This request came from another site and was refused. Reload the page and try again."))
	}))

	var h http.Handler = mux
	h = withSession(svc, ws, h)
	h = cop.Handler(h)
	h = securityHeaders(h)
	h = checkHost(logger, allowedHosts(opts), h)
	h = logRequests(logger, h)
	h = recoverPanics(logger, h)
	return h, nil
}
