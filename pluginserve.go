package main

import (
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
)

// newPluginServeCmd is the hidden command the plugin host runs to isolate a
// built-in transform or trial recorder: "medmarket plugin-serve NAME" serves it as a plugin
// over go-plugin's handshake (it refuses to run when not started by a host).
func newPluginServeCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:    "plugin-serve NAME",
		Short:  "Serve a built-in transform or recorder as a plugin (run by the plugin host)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.ServeBuiltinPlugin(args[0])
		},
	}
}
