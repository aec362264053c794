package frontend

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
)

// In Chromium, on a node with no account: the sign-in page leads to
// creating one, the strength updates as the passphrase is typed, and the
// new account is signed in; then, signed out, a keystore file exported by a
// wallet is imported and signed in.
func TestBrowser_createAndImportAccount(t *testing.T) {
	ctx, problems := newBrowser(t)
	srv, _ := newTestServer(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/mydata/"),
		chromedp.WaitVisible(`#no-accounts`),
		chromedp.Click(`//p[@id="no-accounts"]/a[contains(., "Create an account")]`),
		chromedp.WaitVisible(`//main//h1[.="Create an account"]`),
		waitHTMX(`#account-new input[name=passphrase]`),
		chromedp.SendKeys(`#account-new input[name=name]`, "patient"),
		chromedp.SendKeys(`#account-new input[name=passphrase]`, "aaaa"),
		chromedp.WaitVisible(`#strength-label[data-strength="weak"]`),
		chromedp.SendKeys(`#account-new input[name=passphrase]`, " river Granite 7 lamp!"),
		chromedp.WaitVisible(`#strength-label[data-strength="strong"]`),
		chromedp.SendKeys(`#account-new input[name=passphrase2]`, "aaaa river granite 7 lamp!"),
		chromedp.Click(`#account-new button[type=submit]`),
		chromedp.WaitVisible(`#passphrase2-problem`),
	); err != nil {
		t.Fatalf("create form: %v", err)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#passphrase2-problem`)))(t); !strings.Contains(got, "the two passphrases differ") {
		t.Errorf("mismatch problem %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(`#account-new input[name=passphrase]`, "aaaa river Granite 7 lamp!"),
		chromedp.SendKeys(`#account-new input[name=passphrase2]`, "aaaa river Granite 7 lamp!"),
		chromedp.Click(`#account-new button[type=submit]`),
		chromedp.WaitVisible(`//main//h1[.="My data"]`),
		chromedp.WaitVisible(`//li[@id="session"]//small[.="patient"]`),
	); err != nil {
		t.Fatalf("create the account: %v", err)
	}

	// A wallet's keystore file, imported after signing out.
	priv, _ := crypto.GenerateKey()
	id, _ := uuid.NewRandom()
	keyJSON, err := keystore.EncryptKey(&keystore.Key{Id: id, Address: crypto.PubkeyToAddress(priv.PublicKey), PrivateKey: priv}, "wallet pass", keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "UTC--wallet.json")
	if err := os.WriteFile(keyFile, keyJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`#session button[type=submit]`),
		chromedp.WaitVisible(`//li[@id="session"]/a[.="Sign in"]`),
		chromedp.Navigate(srv.URL+"/signin/"),
		chromedp.WaitVisible(`#signin input[name=account]`),
		chromedp.Click(`//p[@id="signin-other"]/a[contains(., "Import")]`),
		chromedp.WaitVisible(`//main//h1[.="Import an account"]`),
		chromedp.SendKeys(`#account-import input[name=name]`, "wallet"),
		chromedp.SetUploadFiles(`#account-import input[name=keyfile]`, []string{keyFile}),
		chromedp.SendKeys(`#account-import input[name=passphrase]`, "not it"),
		chromedp.Click(`#account-import button[type=submit]`),
		chromedp.WaitVisible(`#passphrase-problem`),
	); err != nil {
		t.Fatalf("import form: %v", err)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(`#passphrase-problem`)))(t); !strings.Contains(got, "wrong passphrase") || strings.Contains(got, "/") {
		t.Errorf("wrong passphrase problem %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(`#account-import input[name=keyfile]`, []string{keyFile}),
		chromedp.SetValue(`#account-import input[name=passphrase]`, "wallet pass"),
		chromedp.Click(`#account-import button[type=submit]`),
		chromedp.WaitVisible(`//li[@id="session"]//small[.="wallet"]`),
	); err != nil {
		t.Fatalf("import: %v", err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}
