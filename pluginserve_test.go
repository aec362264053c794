package main

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// TestMain lets tests of --isolated re-execute the test binary as the plugin
// host re-executes medmarket: "<binary> plugin-serve NAME".
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "plugin-serve" {
		if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestPluginServe_refusesWithoutHost(t *testing.T) {
	_, _, err := runCmd(t, nil, "plugin-serve", "no-such-transform")
	if err == nil {
		t.Fatal("plugin-serve of an unknown transform succeeded")
	}
}
