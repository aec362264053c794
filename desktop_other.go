//go:build !desktop && !bindings

package main

import (
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/marketplace"
)

func newDesktopCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "desktop",
		Short: "Open the desktop window (needs a binary built with -tags desktop,production,webkit2_41)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return marketplace.Errorf(marketplace.EUNAVAILABLE,
				"This binary was built without the desktop window. Build it with: "+
					"CGO_ENABLED=1 go build -tags desktop,production,webkit2_41 -o medmarket . (needs GTK 3 and WebKitGTK 4.1); or use 'medmarket serve'.")
		},
	}
}
