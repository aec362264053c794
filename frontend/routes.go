package frontend

import (
	"log/slog"
	"net/http"
)

// addRoutes is the whole surface of the UI. Pages live at paths ending in "/"
// because the desktop window's Wails runtime is only injected there.
func addRoutes(mux *http.ServeMux, logger *slog.Logger, svc Service, static http.Handler, ws *windowSession, provider http.Handler, wizards *wizardStore) {
	mux.Handle("GET /{$}", handlePage(logger, "Home", "", homePage()))
	mux.Handle("GET /mydata/{$}", requireSession(handleMyData(logger, svc)))
	mux.Handle("POST /mydata/withdraw", requireSession(handleWithdraw(logger, svc)))
	mux.Handle("POST /mydata/datasets/{id}/price", requireSession(handleSetPrice(logger, svc)))
	mux.Handle("POST /mydata/datasets/{id}/delist", requireSession(handleDelist(logger, svc)))
	mux.Handle("POST /mydata/drafts/{hash}/retry", requireSession(handleRetryDraft(logger, svc)))
	mux.Handle("POST /mydata/drafts/{hash}/discard", requireSession(handleDiscardDraft(logger, svc)))
	mux.Handle("GET /mydata/publish/{$}", requireSession(handlePublishPage(logger)))
	mux.Handle("POST /mydata/publish/upload", requireSession(handlePublishUpload(logger, svc, wizards)))
	mux.Handle("POST /mydata/publish/local", requireSession(handlePublishLocal(logger, svc, wizards, ws != nil))) // desktop window only
	mux.Handle("POST /mydata/publish/run", requireSession(handlePublishRun(logger, svc, wizards)))
	mux.Handle("GET /mydata/publish/run/{id}/{$}", requireSession(handlePublishRunStatus(logger, svc, wizards)))
	mux.Handle("POST /mydata/publish/run/{id}/cancel", requireSession(handlePublishRunCancel(logger, svc, wizards)))
	mux.Handle("POST /mydata/publish/cost", requireSession(handlePublishCost(logger, svc)))
	mux.Handle("POST /mydata/publish/discard", requireSession(handlePublishDiscard(logger, wizards)))
	mux.Handle("POST /mydata/publish/{$}", requireSession(handlePublish(logger, svc, wizards)))
	mux.Handle("GET /mydata/licences/{$}", requireSession(handleLicences(logger, svc)))
	mux.Handle("POST /mydata/licences/{id}/seats", requireSession(handleSeat(logger, svc, true)))
	mux.Handle("POST /mydata/licences/{id}/seats/remove", requireSession(handleSeat(logger, svc, false)))
	mux.Handle("GET /catalog/{$}", handleCatalog(logger, svc))
	mux.Handle("GET /catalog/{id}/{$}", handleCard(logger, svc))
	mux.Handle("POST /catalog/{id}/buy", handleBuy(logger, svc))
	mux.Handle("GET /catalog/{id}/download", handleDownload(logger, svc))
	mux.Handle("POST /catalog/{id}/save", handleSaveDownload(logger, svc, ws != nil)) // desktop window only
	mux.Handle("GET /trials/{$}", handleTrials(logger, svc))
	mux.Handle("POST /trials/{$}", handleTrialRegister(logger, svc))
	mux.Handle("GET /trials/{id}/{$}", handleTrialView(logger, svc))
	mux.Handle("GET /trials/{id}/steps", handleTrialSteps(logger, svc))
	mux.Handle("POST /trials/{id}/steps", handleTrialRecord(logger, svc))
	mux.Handle("POST /trials/{id}/import/preview", handleTrialImportPreview(logger, svc))
	mux.Handle("POST /trials/{id}/import", handleTrialImport(logger, svc))
	mux.Handle("POST /trials/{id}/anchor", handleTrialAnchor(logger, svc))
	mux.Handle("POST /trials/{id}/verify", handleTrialVerify(logger, svc))
	mux.Handle("GET /trials/{id}/export.json", handleTrialExport(logger, svc, "json"))
	mux.Handle("GET /trials/{id}/export.csv", handleTrialExport(logger, svc, "csv"))
	mux.Handle("GET /verify/{$}", handlePage(logger, "Verify", "trials", verifyPage()))
	mux.Handle("POST /verify/{$}", handleVerifyUpload(logger, svc))
	mux.Handle("GET /status/{$}", handleStatus(logger, svc))
	mux.Handle("POST /status/node", handleRenameNode(logger, svc))
	mux.Handle("POST /status/roles", requireSession(handleSetRoles(logger, svc)))
	mux.Handle("GET /signin/{$}", handleSignInPage(logger, svc))
	mux.Handle("POST /signin", handleSignIn(logger, svc, ws))
	mux.Handle("POST /signout", handleSignOut(logger, svc, ws))
	mux.Handle("GET /healthz", handleHealth())
	mux.Handle("/provider/v1/", provider) // node-to-node: cards, blobs, keys (marketplace/provider)
	mux.Handle("GET /static/", http.StripPrefix("/static/", static))
	mux.Handle("/", handleNotFound(logger))
}
