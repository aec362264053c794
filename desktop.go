//go:build desktop || bindings

package main

import (
	"context"
	_ "embed"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	wailsruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/frontend"
)

//go:embed build/appicon.png
var appIcon []byte

// desktopOrigin is the page origin inside the Wails window on Linux; the UI
// accepts its form posts as same-site.
const desktopOrigin = "wails://wails"

func newDesktopCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "desktop",
		Short: "Open the desktop window: the same UI as serve, with native file dialogs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDesktop(cmd.Context(), c)
		},
	}
}

func runDesktop(ctx context.Context, c *cli) error {
	a, cfg, err := c.open(ctx)
	if err != nil {
		return err
	}
	log := c.logger(cfg)
	defer func() {
		if err := a.Close(); err != nil {
			log.Error("close data dir", "err", err)
		}
	}()
	// The UI's work in the background (wizard runs) ends before the data dir closes.
	uiCtx, stopUI := context.WithCancel(ctx)
	defer stopUI()
	handler, err := frontend.NewServer(log, a, frontend.Options{TrustedOrigins: []string{desktopOrigin}, Window: true, Context: uiCtx})
	if err != nil {
		return err
	}
	desktop := app.NewDesktop(log, wailsDialogs{})
	stopBackground, err := startBackground(ctx, c, log, a)
	if err != nil {
		return err
	}
	defer stopBackground() // before the data dir closes

	// SIGINT and SIGTERM close the window through Wails' own handler, on
	// GTK's thread (quitting from another goroutine crashes GTK).
	log.Info("opening desktop window", "data", a.DataDir())
	return wails.Run(&options.App{
		Title:     "medmarket",
		Width:     1200,
		Height:    820,
		MinWidth:  720,
		MinHeight: 480,
		AssetServer: &assetserver.Options{
			Handler: handler,
		},
		OnStartup: func(wctx context.Context) {
			desktop.SetContext(wctx)
		},
		Bind:   []any{desktop},
		Logger: wailsLogger{log},
		Linux:  &linux.Options{Icon: appIcon, ProgramName: "medmarket"},
	})
}

// wailsDialogs opens native dialogs through the Wails runtime.
type wailsDialogs struct{}

func (wailsDialogs) OpenFile(ctx context.Context, title string, patterns []app.FilePattern) (string, error) {
	filters := make([]wailsruntime.FileFilter, len(patterns))
	for i, p := range patterns {
		filters[i] = wailsruntime.FileFilter{DisplayName: p.Name, Pattern: p.Pattern}
	}
	home, _ := os.UserHomeDir()
	return wailsruntime.OpenFileDialog(ctx, wailsruntime.OpenDialogOptions{Title: title, Filters: filters, DefaultDirectory: dialogDir(home, "")})
}

func (wailsDialogs) SaveFile(ctx context.Context, title, name string, patterns []app.FilePattern) (string, error) {
	filters := make([]wailsruntime.FileFilter, len(patterns))
	for i, p := range patterns {
		filters[i] = wailsruntime.FileFilter{DisplayName: p.Name, Pattern: p.Pattern}
	}
	home, _ := os.UserHomeDir()
	return wailsruntime.SaveFileDialog(ctx, wailsruntime.SaveDialogOptions{Title: title, DefaultDirectory: dialogDir(home, "Downloads"),
		DefaultFilename: name, Filters: filters, CanCreateDirectories: true})
}

// wailsLogger sends Wails' own log lines to the node's slog logger.
type wailsLogger struct{ log *slog.Logger }

func (l wailsLogger) Print(m string)   { l.log.Info(m, "src", "wails") }
func (l wailsLogger) Trace(m string)   { l.log.Debug(m, "src", "wails") }
func (l wailsLogger) Debug(m string)   { l.log.Debug(m, "src", "wails") }
func (l wailsLogger) Info(m string)    { l.log.Info(m, "src", "wails") }
func (l wailsLogger) Warning(m string) { l.log.Warn(m, "src", "wails") }
func (l wailsLogger) Error(m string)   { l.log.Error(m, "src", "wails") }
func (l wailsLogger) Fatal(m string)   { l.log.Error(m, "src", "wails") }
