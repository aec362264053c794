package frontend

import (
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// myDataView is the patient's page: their datasets, sales and drafts.
type myDataView struct {
	Sales   app.MySales
	Message string // what an action just did
	Problem string // why an action was refused
	Loaded  bool
	// Questions are the questions answered about each listing that
	// answers them (mydata_questions.go).
	Questions []myQuestionsView
}

// loadMyData reads the signed-in seller's sales; a read failure is shown
// as the problem rather than failing the page (the chain may be unreachable).
func loadMyData(r *http.Request, svc Service) myDataView {
	s, _ := sessionFrom(r.Context())
	sales, err := svc.MyDatasets(r.Context(), s.Address())
	if err != nil {
		return myDataView{Problem: marketplace.ErrorMessage(err)}
	}
	return myDataView{Sales: sales, Loaded: true, Questions: loadMyQuestions(r, svc, s.Address(), sales.Datasets)}
}

// handleMyData handles GET /mydata/: My datasets, earnings, drafts, and
// the way to publish.
func handleMyData(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, r, logger, http.StatusOK, page{Title: "My data", Section: "mydata", Content: myDataPage(loadMyData(r, svc))})
	})
}

// answerMyData answers a My data action with the datasets section, saying
// what happened (or why not).
func answerMyData(w http.ResponseWriter, r *http.Request, logger *slog.Logger, svc Service, err error, done string) {
	answerAction(w, r, logger, err, "/mydata/", func(message, problem string) (page, templ.Component) {
		v := loadMyData(r, svc)
		v.Message, v.Problem = message, problem
		return page{Title: "My data", Section: "mydata", Content: myDataPage(v)}, myDatasets(v)
	}, done)
}

// answerAction answers a form action on a page section: an internal error
// as an error page; a success without htmx by a redirect to back; else the
// whole page (no htmx) or the section (htmx) from view, saying what
// happened (done) or why not (err's message, with its status).
func answerAction(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error, back string,
	view func(message, problem string) (page, templ.Component), done string) {
	if marketplace.ErrorCode(err) == marketplace.EINTERNAL {
		renderError(w, r, logger, err)
		return
	}
	if !isHTMX(r) && err == nil {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	status, message, problem := http.StatusOK, done, ""
	if err != nil {
		status, message, problem = httpStatus(marketplace.ErrorCode(err)), "", marketplace.ErrorMessage(err)
	}
	full, section := view(message, problem)
	if !isHTMX(r) {
		render(w, r, logger, status, full)
		return
	}
	renderComponent(w, r, logger, status, section)
}

// parseEtherField reads a price in ether from a form field.
func parseEtherField(r *http.Request, field, what string) (*big.Int, error) {
	s := strings.TrimSpace(r.PostForm.Get(field))
	if s == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "%s: required, in ether (0 is allowed).", what)
	}
	wei, err := marketplace.ParseEther(s)
	if err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "%s: %s.", what, marketplace.ErrorMessage(err))
	}
	return wei, nil
}

// handleSetPrice handles POST /mydata/datasets/{id}/price.
func handleSetPrice(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := actorOf(r)
		id, err := listingID(r)
		if err == nil {
			err = parseSmallForm(w, r)
		}
		var wei *big.Int
		if err == nil {
			wei, err = parseEtherField(r, "price", "Price")
		}
		if err == nil {
			err = svc.SetPrice(r.Context(), who, id, wei)
		}
		answerMyData(w, r, logger, svc, err, fmt.Sprintf("Listing #%d now costs %s.", id, ether(wei)))
	})
}

// handleDelist handles POST /mydata/datasets/{id}/delist (the button asks
// for confirmation first: it is final).
func handleDelist(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := actorOf(r)
		id, err := listingID(r)
		if err == nil {
			err = svc.Delist(r.Context(), who, id)
		}
		answerMyData(w, r, logger, svc, err, fmt.Sprintf("Listing #%d is delisted; licences already sold stay valid.", id))
	})
}

// handleWithdraw handles POST /mydata/withdraw: pays out the earnings.
func handleWithdraw(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := actorOf(r)
		wei, err := svc.Withdraw(r.Context(), who)
		answerMyData(w, r, logger, svc, err, fmt.Sprintf("%s withdrawn to your account.", ether(wei)))
	})
}

// parseTerms reads the DUO permission, modifiers, duration and seats of a
// listing form.
func parseTerms(r *http.Request) (marketplace.Terms, error) {
	var t marketplace.Terms
	codes := append([]string{r.PostForm.Get("permission")}, r.PostForm["modifier"]...)
	d, err := marketplace.ParseDUO(strings.Join(codes, ","))
	if err != nil {
		return t, marketplace.Errorf(marketplace.EINVALID, "Terms: %s", marketplace.ErrorMessage(err))
	}
	t.Use = d
	if s := strings.TrimSpace(r.PostForm.Get("duration")); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return t, marketplace.Errorf(marketplace.EINVALID, "Duration: %q is not a whole number of days (0 for perpetual).", s)
		}
		t.DurationDays = uint32(n)
	}
	if s := strings.TrimSpace(r.PostForm.Get("seats")); s != "" {
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return t, marketplace.Errorf(marketplace.EINVALID, "Seats: %q is not a whole number up to 65535.", s)
		}
		t.Seats = uint16(n)
	}
	return t, t.Validate()
}

// handleRetryDraft handles POST /mydata/drafts/{hash}/retry: lists a
// stored draft again with the price and terms given now.
func handleRetryDraft(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := actorOf(r)
		err := parseSmallForm(w, r)
		h := r.PathValue("hash")
		if err == nil && (len(h) != 66 || !strings.HasPrefix(h, "0x")) {
			err = marketplace.Errorf(marketplace.ENOTFOUND, "There is no draft %q.", h)
		}
		var price *big.Int
		var terms marketplace.Terms
		if err == nil {
			price, err = parseEtherField(r, "price", "Price")
		}
		if err == nil {
			terms, err = parseTerms(r)
		}
		var p app.Published
		if err == nil {
			p, err = svc.RetryPublish(r.Context(), who, common.HexToHash(h), price, terms)
		}
		answerMyData(w, r, logger, svc, err, fmt.Sprintf("Draft listed as #%d.", p.ListingID))
	})
}

// handleDiscardDraft handles POST /mydata/drafts/{hash}/discard: forgets a
// draft the seller no longer wants (the button asks for confirmation).
func handleDiscardDraft(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := actorOf(r)
		h := r.PathValue("hash")
		var err error
		if len(h) != 66 || !strings.HasPrefix(h, "0x") {
			err = marketplace.Errorf(marketplace.ENOTFOUND, "There is no draft %q.", h)
		}
		var d app.Discarded
		if err == nil {
			d, err = svc.DiscardDraft(r.Context(), who, common.HexToHash(h))
		}
		done := "Draft discarded."
		switch {
		case d.HubWithdrawn:
			done = "Draft discarded; the hub " + d.Hub + " deleted its copy."
		case d.HubProblem != "":
			done = "Draft discarded here. The hub " + d.Hub + " could not be told (" + d.HubProblem + "); it deletes the upload when its upload time limit ends."
		}
		answerMyData(w, r, logger, svc, err, done)
	})
}

// licencesView is "My licences".
type licencesView struct {
	Licences []app.LicenceView
	Message  string
	Problem  string
}

func loadLicences(r *http.Request, svc Service) licencesView {
	s, _ := sessionFrom(r.Context())
	ls, err := svc.Licences(r.Context(), s.Address())
	if err != nil {
		return licencesView{Problem: marketplace.ErrorMessage(err)}
	}
	return licencesView{Licences: ls}
}

// handleLicences handles GET /mydata/licences/: the licences the account
// holds or is seated on, with expiry, seats and downloads.
func handleLicences(logger *slog.Logger, svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, r, logger, http.StatusOK, page{Title: "My licences", Section: "licences", Content: licencesPage(loadLicences(r, svc))})
	})
}

// handleSeat handles POST /mydata/licences/{id}/seats (add) and
// /seats/remove: seats a team member by address, or takes the seat away.
func handleSeat(logger *slog.Logger, svc Service, add bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := actorOf(r)
		id, err := listingID(r)
		if err == nil {
			err = parseSmallForm(w, r)
		}
		member := strings.TrimSpace(r.PostForm.Get("member"))
		if err == nil && !common.IsHexAddress(member) {
			err = marketplace.Errorf(marketplace.EINVALID, "Member: %q is not an account address (0x and 40 hex digits).", member)
		}
		done := ""
		if err == nil {
			m := common.HexToAddress(member)
			if add {
				err = svc.AddSeat(r.Context(), who, id, m)
				done = fmt.Sprintf("%s may now use listing #%d.", m.Hex(), id)
			} else {
				err = svc.RemoveSeat(r.Context(), who, id, m)
				done = fmt.Sprintf("%s no longer holds a seat on listing #%d.", m.Hex(), id)
			}
		}
		answerAction(w, r, logger, err, "/mydata/licences/", func(message, problem string) (page, templ.Component) {
			v := loadLicences(r, svc)
			v.Message, v.Problem = message, problem
			return page{Title: "My licences", Section: "licences", Content: licencesPage(v)}, licencesList(v)
		}, done)
	})
}

// statementParts lists what a buyer stated as (label, statement) pairs.
func statementParts(st marketplace.Statements) [][2]string {
	var out [][2]string
	for _, f := range [][2]string{{"disease", st.Disease}, {"ethics approval", st.Approval}, {"collaborator", st.Collaborator}} {
		if f[1] != "" {
			out = append(out, f)
		}
	}
	return out
}
