package frontend

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// AccountService is what the account pages need from the application.
// Both cost a scrypt: app bounds them with the passphrase checks and limits
// how many accounts one client makes (429 with the wait).
type AccountService interface {
	// SignUp creates an account and signs it in: the session's token.
	SignUp(ctx context.Context, name, passphrase string) (token string, s marketplace.Session, err error)
	// ImportAccount adds a keystore v3 JSON key (its own passphrase) or a
	// hex private key (encrypted with passphrase).
	ImportAccount(ctx context.Context, name string, key []byte, passphrase string) (marketplace.Account, error)
}

// Limits of the import form: a keystore v3 file is well under 1 KiB, a hex
// key 66 characters.
const (
	maxKeyFileBytes    = 64 << 10
	maxImportFormBytes = maxKeyFileBytes + 16<<10
)

// accountPath is the page to create ("new") or import an account, coming
// back to next (a localPath) once signed in.
func accountPath(kind, next string) string {
	p := "/accounts/" + kind + "/"
	if next != "" && next != "/" {
		p += "?next=" + url.QueryEscape(next)
	}
	return p
}

// accountForm is the create or import form as shown: what the user typed
// (never a passphrase or key) and a problem per field.
type accountForm struct {
	Name, Next string
	Problems   map[string]string // by field: name, passphrase, passphrase2, key, form
	Strength   *app.Strength     // of the passphrase typed, when one was
}

func (f accountForm) problem(field string) string { return f.Problems[field] }

// fieldOf names the form field an account error is about.
func fieldOf(err error) string {
	msg := marketplace.ErrorMessage(err)
	switch {
	case strings.HasPrefix(msg, "Passphrase again"):
		return "passphrase2"
	case marketplace.ErrorCode(err) == marketplace.ECONFLICT && strings.Contains(msg, "already in the keystore"):
		return "key"
	case strings.HasPrefix(msg, "Account name"), marketplace.ErrorCode(err) == marketplace.ECONFLICT:
		return "name"
	case strings.HasPrefix(msg, "Passphrase"), strings.HasPrefix(msg, "wrong passphrase"), strings.HasPrefix(msg, "a passphrase"):
		return "passphrase"
	case strings.HasPrefix(msg, "Key file"), strings.HasPrefix(msg, "the key imported"), strings.HasPrefix(msg, "the file imported"):
		return "key"
	}
	return "form"
}

// renderAccountProblem answers a refused form: the form again with the
// problem at its field, with the status of the error (429 and Retry-After
// when the client must wait).
func renderAccountProblem(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error, f accountForm, form func(accountForm) page) {
	code := marketplace.ErrorCode(err)
	if code == marketplace.EINTERNAL {
		renderError(w, r, logger, err)
		return
	}
	if f.Problems == nil {
		f.Problems = map[string]string{}
	}
	f.Problems[fieldOf(err)] = marketplace.ErrorMessage(err)
	status := httpStatus(code)
	if code == marketplace.EFORBIDDEN { // a wrong passphrase for a key file: input to correct, like the others
		status = http.StatusUnprocessableEntity
	}
	render(w, r, logger, retryStatus(w, err, status), form(f))
}

func newAccountPage(f accountForm) page {
	return page{Title: "Create an account", Content: accountNewPage(f)}
}

func importAccountPage(f accountForm) page {
	return page{Title: "Import an account", Content: accountImportPage(f)}
}

// handleAccountNewPage handles GET /accounts/new/.
func handleAccountNewPage(logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, r, logger, http.StatusOK, newAccountPage(accountForm{Next: localPath(r.URL.Query().Get("next"))}))
	})
}

// handleAccountNew handles POST /accounts/new/: the name and the
// passphrase twice; the new account is signed in and sent on to next.
func handleAccountNew(logger *slog.Logger, svc AccountService, ws *windowSession) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		pass := r.PostForm.Get("passphrase")
		f := accountForm{Name: strings.TrimSpace(r.PostForm.Get("name")), Next: localPath(r.PostForm.Get("next"))}
		if pass != "" {
			s := app.PassphraseStrength(pass)
			f.Strength = &s
		}
		if pass != r.PostForm.Get("passphrase2") {
			renderAccountProblem(w, r, logger, marketplace.Errorf(marketplace.EINVALID, "Passphrase again: the two passphrases differ."),
				f, newAccountPage)
			return
		}
		token, _, err := svc.SignUp(r.Context(), f.Name, pass)
		if err != nil {
			renderAccountProblem(w, r, logger, err, f, newAccountPage)
			return
		}
		signedInTo(w, r, ws, token, f.Next)
	})
}

// handlePassphraseStrength handles POST /accounts/strength: the strength
// of the passphrase typed so far, for the form to show as it is typed.
func handlePassphraseStrength(logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseSmallForm(w, r); err != nil {
			renderError(w, r, logger, err)
			return
		}
		var s *app.Strength
		if p := r.PostForm.Get("passphrase"); p != "" {
			st := app.PassphraseStrength(p)
			s = &st
		}
		renderComponent(w, r, logger, http.StatusOK, strengthMeter(s))
	})
}

// handleAccountImportPage handles GET /accounts/import/.
func handleAccountImportPage(logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, r, logger, http.StatusOK, importAccountPage(accountForm{Next: localPath(r.URL.Query().Get("next"))}))
	})
}

// handleAccountImport handles POST /accounts/import/: a keystore v3 file
// (its passphrase) or a hex private key (a new passphrase, checked like a
// new account's), under a name; the account is then signed in.
func handleAccountImport(logger *slog.Logger, svc Service, ws *windowSession) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxImportFormBytes)
		if err := r.ParseMultipartForm(maxImportFormBytes); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				renderAccountProblem(w, r, logger, marketplace.Errorf(marketplace.EINVALID,
					"Key file: larger than %d KiB; a keystore file is under 1 KiB.", maxKeyFileBytes>>10), accountForm{}, importAccountPage)
				return
			}
			renderError(w, r, logger, marketplace.Errorf(marketplace.EINVALID, "The form could not be read."))
			return
		}
		defer func() {
			if err := r.MultipartForm.RemoveAll(); err != nil {
				logger.Warn("remove the import form's temporary files", "err", err)
			}
		}()
		f := accountForm{Name: strings.TrimSpace(r.FormValue("name")), Next: localPath(r.FormValue("next"))}
		pass := r.FormValue("passphrase")
		key, err := importedKey(r)
		if err == nil && key == nil {
			err = marketplace.Errorf(marketplace.EINVALID, "Key file: choose a keystore file, or paste a hex private key.")
		}
		if err == nil && !strings.HasPrefix(strings.TrimSpace(string(key)), "{") {
			err = app.CheckPassphrase(pass) // a hex key gets a new passphrase
		}
		if err == nil {
			err = marketplace.ValidateAccountName(f.Name)
		}
		if err == nil {
			_, err = svc.ImportAccount(r.Context(), f.Name, key, pass)
		}
		if err != nil {
			renderAccountProblem(w, r, logger, err, f, importAccountPage)
			return
		}
		token, _, err := svc.SignIn(r.Context(), f.Name, pass)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		signedInTo(w, r, ws, token, f.Next)
	})
}

// importedKey is the uploaded key file, else the pasted hex key; nil when
// neither was given.
func importedKey(r *http.Request) ([]byte, error) {
	if file, hdr, err := r.FormFile("keyfile"); err == nil {
		defer func() { _ = file.Close() }() // read only: nothing to lose
		if hdr.Size > maxKeyFileBytes {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Key file: larger than %d KiB; a keystore file is under 1 KiB.", maxKeyFileBytes>>10)
		}
		b, err := io.ReadAll(io.LimitReader(file, maxKeyFileBytes+1))
		if err != nil {
			return nil, marketplace.Wrap(marketplace.EINVALID, err, "Key file: cannot be read.")
		}
		if len(b) > 0 {
			if !strings.HasPrefix(strings.TrimSpace(string(b)), "{") {
				return nil, marketplace.Errorf(marketplace.EINVALID, "Key file: not JSON; choose the keystore v3 file your wallet exported.")
			}
			return b, nil
		}
	}
	if hex := strings.TrimSpace(r.FormValue("hexkey")); hex != "" {
		return []byte(hex), nil
	}
	return nil, nil
}

// invalid marks a field with a problem for assistive technology.
func invalid(f accountForm, field string) templ.Attributes {
	if f.problem(field) == "" {
		return nil
	}
	return templ.Attributes{"aria-invalid": "true", "aria-describedby": field + "-problem"}
}

// signInPath is the sign-in page, coming back to next.
func signInPath(next string) string {
	if next == "" || next == "/" {
		return "/signin/"
	}
	return "/signin/?next=" + url.QueryEscape(next)
}
