package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/medmarket/medmarket/marketplace"
)

const envPassphrase = "MEDMARKET_PASSPHRASE"

// passphrase gets an account's passphrase from --passphrase-file, then
// MEDMARKET_PASSPHRASE, then a prompt: hidden on a terminal, one line from a
// pipe. confirm asks twice on a terminal, for new accounts.
func (c *cli) passphrase(prompt string, confirm bool) (string, error) {
	if c.passFile != "" {
		b, err := os.ReadFile(c.passFile)
		if err != nil {
			return "", marketplace.Wrap(marketplace.EINVALID, err, "--passphrase-file: cannot read %s", c.passFile)
		}
		p := strings.TrimRight(string(b), "\r\n")
		if p == "" {
			return "", marketplace.Errorf(marketplace.EINVALID, "--passphrase-file: %s is empty.", c.passFile)
		}
		return p, nil
	}
	if p := c.getenv(envPassphrase); p != "" {
		return p, nil
	}
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p, err := readHidden(f, c, prompt)
		if err != nil || !confirm {
			return p, err
		}
		again, err := readHidden(f, c, "Repeat the passphrase: ")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", marketplace.Errorf(marketplace.EINVALID, "The passphrases do not match.")
		}
		return p, nil
	}
	if c.stdinLines == nil {
		c.stdinLines = bufio.NewScanner(c.stdin)
	}
	if !c.stdinLines.Scan() || c.stdinLines.Text() == "" {
		return "", marketplace.Errorf(marketplace.EINVALID,
			"No passphrase: give it with --passphrase-file, %s or on standard input.", envPassphrase)
	}
	return c.stdinLines.Text(), nil
}

func readHidden(f *os.File, c *cli, prompt string) (string, error) {
	fmt.Fprint(c.stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", fmt.Errorf("read passphrase: %w", err)
	}
	if len(b) == 0 {
		return "", marketplace.Errorf(marketplace.EINVALID, "The passphrase is empty.")
	}
	return string(b), nil
}
