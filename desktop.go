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
)

//go:embed build/appicon.png
var appIcon []byte

func newDesktopCmd(c *cli) *cobra.Command {
	var l listenConfig
	cmd := &cobra.Command{
		Use:   "desktop",
		Short: "Open the desktop window: the same UI as serve, with native file dialogs",
		Long: `Open the desktop window on the data directory. The window is the UI; the
provider API, which other nodes download this node's listings from, listens
on --public-addr (default ` + defaultPublicAddr(defaultAddr) + `) and is announced as --public-url.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDesktop(cmd.Context(), c, l.resolve(c.getenv))
		},
	}
	addPublicFlags(cmd, &l)
	return cmd
}

func runDesktop(ctx context.Context, c *cli, l listenConfig) error {
	n, err := openDesktopNode(ctx, c, l)
	if err != nil {
		return err
	}
	log, a, handler := n.Log, n.App, n.Handler
	defer func() {
		if err := n.Close(); err != nil {
			log.Error("close desktop node", "err", err)
		}
	}()
	desktop := app.NewDesktop(log, wailsDialogs{})

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

func (wailsDialogs) OpenFolder(ctx context.Context, title string) (string, error) {
	home, _ := os.UserHomeDir()
	return wailsruntime.OpenDirectoryDialog(ctx, wailsruntime.OpenDialogOptions{Title: title, DefaultDirectory: dialogDir(home, "")})
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
