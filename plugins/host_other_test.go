//go:build !linux

package plugins_test

func hostChild() {}
