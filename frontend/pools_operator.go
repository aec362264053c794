package frontend

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// An operator's pools (Pools > Run a pool): create a pool, see its
// contributions and the privacy check over their union, release a
// version, post a payout round, and claim for patients who are offline.
// Only the pool's operator sees a pool's page or acts on it; the app
// refuses anyone else too.

// operatePath is the operator's pools page.
const operatePath = "/mydata/pools/operate/"

func operatePagePath(*http.Request) string { return operatePath }

func operatedPoolPath(pool common.Address) string { return operatePath + pool.Hex() + "/" }

func operatedPoolPagePath(r *http.Request) string {
	if common.IsHexAddress(r.PathValue("pool")) {
		return operatedPoolPath(common.HexToAddress(r.PathValue("pool")))
	}
	return operatePath
}

// defaultPoolPipeline is the pipeline offered for a new pool: Synthea-like
// patient CSVs, birth date to its decade and gender as the
// quasi-identifiers, Safe Harbor for the identifiers.
const defaultPoolPipeline = `suggest_roles: false
columns:
  BIRTHDATE: {role: quasi-identifier, hierarchy: {auto: date}}
  GENDER: {role: quasi-identifier}
  Id: {role: direct-identifier}
transforms:
  - name: generalize
    levels: {BIRTHDATE: 3}
  - name: safe-harbor
`

// poolForm is the create form as filled in.
type poolForm struct {
	Name, Description, Pipeline, K, Fee, Price string
	Terms                                      listingForm // permission, modifiers, duration, seats
	Problems                                   map[string]string
}

func defaultPoolForm() poolForm {
	return poolForm{Pipeline: defaultPoolPipeline, K: "5", Fee: "5", Price: "0.01",
		Terms: listingForm{Permission: "HMB", Duration: "365", Seats: "1"}, Problems: map[string]string{}}
}

func readPoolForm(r *http.Request) poolForm {
	p := r.PostForm
	return poolForm{Name: strings.TrimSpace(p.Get("name")), Description: strings.TrimSpace(p.Get("description")),
		Pipeline: p.Get("pipeline"), K: strings.TrimSpace(p.Get("k")), Fee: strings.TrimSpace(p.Get("fee")),
		Price: strings.TrimSpace(p.Get("price")), Terms: readListingForm(r), Problems: map[string]string{}}
}

// request turns the form into a pool request; a refusal names its field.
func (f poolForm) request(r *http.Request) (app.PoolRequest, string, error) {
	req := app.PoolRequest{Name: f.Name, Description: f.Description}
	if f.Name == "" {
		return req, "name", marketplace.Errorf(marketplace.EINVALID, "Name: required.")
	}
	cfg, err := anonymize.LoadConfig(strings.NewReader(f.Pipeline))
	if err != nil {
		return req, "pipeline", marketplace.Errorf(marketplace.EINVALID, "Pipeline: %s", marketplace.ErrorMessage(err))
	}
	req.Pipeline = cfg
	if req.K, err = strconv.Atoi(f.K); err != nil {
		return req, "k", marketplace.Errorf(marketplace.EINVALID, "k: %q is not a whole number.", f.K)
	}
	fee, err := strconv.ParseFloat(f.Fee, 64)
	if err != nil || fee < 0 || fee > 100 || math.Round(fee*100) != fee*100 {
		return req, "fee", marketplace.Errorf(marketplace.EINVALID, "Fee: %q is not a percentage from 0 to 100 with at most two decimals.", f.Fee)
	}
	req.FeeBasisPoints = uint16(math.Round(fee * 100))
	if req.Price, err = parseEtherField(r, "price", "Price"); err != nil {
		return req, "price", err
	}
	if req.Terms, err = parseTerms(r); err != nil {
		return req, "terms", err
	}
	return req, "", nil
}

// poolConfigField names the form field a pool configuration's refusal
// ("Pool configuration: k: …") is about; "" when none.
func poolConfigField(err error) string {
	msg, ok := strings.CutPrefix(marketplace.ErrorMessage(err), "Pool configuration: ")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(msg, ":")
	switch name {
	case "name", "description", "pipeline", "k", "price", "terms":
		return name
	case "fee_basis_points":
		return "fee"
	}
	return ""
}

// operateView is the operator's pools page.
type operateView struct {
	Pools []app.PoolInfo // run by the session's account
	Form  poolForm
}

// renderOperate answers with the operator's pools page and form f.
func renderOperate(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc PoolService, f poolForm, status int) {
	s, _ := sessionFrom(r.Context())
	all, err := svc.OperatedPools(r.Context())
	if err != nil {
		renderError(w, r, logger, err)
		return
	}
	v := operateView{Form: f}
	for _, p := range all {
		if p.Config.Operator == s.Address() {
			v.Pools = append(v.Pools, p)
		}
	}
	stayAt(w, r, operatePath)
	render(w, r, logger, status, page{Title: "Run a pool", Section: "pools", Content: operatePage(v)})
}

// handleOperatePage handles GET /mydata/pools/operate/.
func handleOperatePage(logger *slog.Logger, svc PoolService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		renderOperate(w, r, logger, svc, defaultPoolForm(), http.StatusOK)
	})
}

// handlePoolCreate handles POST /mydata/pools/operate/: creates the pool
// (its contract deployed by the session's account) and shows its page.
func handlePoolCreate(logger *slog.Logger, svc PoolService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := actorOf(r)
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		f := readPoolForm(r)
		req, field, err := f.request(r)
		var cfg app.PoolConfig
		if err == nil {
			cfg, err = svc.CreatePool(r.Context(), who, req)
			field = poolConfigField(err)
		}
		if err == nil {
			redirectTo(w, r, operatedPoolPath(cfg.Contract))
			return
		}
		if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
			renderError(w, r, logger, err)
			return
		}
		if field == "" {
			field = "create"
		}
		f.Problems[field] = marketplace.ErrorMessage(err)
		renderOperate(w, r, logger, svc, f, httpStatus(marketplace.ErrorCode(err)))
	})
}

// operatedPoolView is a pool's page for its operator.
type operatedPoolView struct {
	Pool     app.OperatedPool
	Union    app.PoolUnion
	Problem  string // the union could not be checked
	Message  string
	Problems map[string]string // action -> the app's reason
	Claim    string            // the account typed for a claim
}

// operatedPoolFor reads the pool of the request and refuses anyone but
// its operator.
func operatedPoolFor(r *http.Request, svc PoolService) (app.OperatedPool, error) {
	pool, err := poolAddress(r)
	if err != nil {
		return app.OperatedPool{}, err
	}
	op, err := svc.OperatedPoolOf(r.Context(), pool)
	if err != nil {
		return op, err
	}
	if s, _ := sessionFrom(r.Context()); s.Address() != op.Info.Config.Operator {
		return op, marketplace.Errorf(marketplace.EFORBIDDEN, "Only the pool's operator %s sees and runs pool %s.", op.Info.Config.Operator.Hex(), op.Info.Config.Name)
	}
	return op, nil
}

// renderOperatedPool answers with the pool's page, with msg or the
// problem of action.
func renderOperatedPool(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc PoolService, v operatedPoolView, action string, err error) {
	op, lerr := operatedPoolFor(r, svc)
	if lerr != nil {
		renderError(w, r, logger, lerr)
		return
	}
	v.Pool = op
	if v.Problems == nil {
		v.Problems = map[string]string{}
	}
	if v.Union, lerr = svc.CheckPoolUnion(r.Context(), op.Info.Config.Contract); lerr != nil {
		v.Problem = marketplace.ErrorMessage(lerr)
	}
	status := http.StatusOK
	if err != nil {
		if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
			renderError(w, r, logger, err)
			return
		}
		status, v.Message = httpStatus(marketplace.ErrorCode(err)), ""
		v.Problems[action] = marketplace.ErrorMessage(err)
	}
	stayAt(w, r, operatedPoolPath(op.Info.Config.Contract))
	render(w, r, logger, status, page{Title: op.Info.Config.Name, Section: "pools", Content: operatedPoolPage(v)})
}

// handleOperatedPool handles GET /mydata/pools/operate/{pool}/.
func handleOperatedPool(logger *slog.Logger, svc PoolService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		renderOperatedPool(w, r, logger, svc, operatedPoolView{}, "", nil)
	})
}

// handleOperatorAction handles POST /mydata/pools/operate/{pool}/{action}:
// release a version, post a payout round, or claim for a patient.
func handleOperatorAction(logger *slog.Logger, svc PoolService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := actorOf(r)
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		op, err := operatedPoolFor(r, svc)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		pool := op.Info.Config.Contract
		action := r.PathValue("action")
		v := operatedPoolView{Claim: strings.TrimSpace(r.PostForm.Get("account"))}
		switch action {
		case "release":
			var rel app.PoolRelease
			if rel, err = svc.ReleasePool(r.Context(), who, pool); err == nil {
				v.Message = fmt.Sprintf("Version %d released with %d patients, listed as #%d.", rel.Release.Version, len(rel.Release.Members), rel.Listing)
			}
		case "payout":
			var pay app.PoolPayout
			if pay, err = svc.PostPoolPayout(r.Context(), who, pool); err == nil {
				v.Message = fmt.Sprintf("Payout round %d posted: %s shared by %d accounts (the patients, and you for the fee).", pay.Round.Number, ether(pay.Round.Total), pay.Contributors)
			}
		case "claim":
			err = claimFor(r, svc, who, pool, &v)
		default:
			renderError(w, r, logger, marketplace.Errorf(marketplace.ENOTFOUND, "No pool action %q.", action))
			return
		}
		renderOperatedPool(w, r, logger, svc, v, action, err)
	})
}

// claimFor claims a patient's share for them (the operator pays the gas;
// the money goes to the patient).
func claimFor(r *http.Request, svc PoolService, who app.Actor, pool common.Address, v *operatedPoolView) error {
	if !common.IsHexAddress(v.Claim) {
		return marketplace.Errorf(marketplace.EINVALID, "Account: %q is not an account address (0x… with 40 hex digits).", v.Claim)
	}
	c, err := svc.ClaimFromPool(r.Context(), who, "", pool, common.HexToAddress(v.Claim))
	if err == nil {
		v.Message = fmt.Sprintf("Paid %s to %s (payout round %d).", ether(c.Paid), c.Account.Hex(), c.Round)
	}
	return err
}
