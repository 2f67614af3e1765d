package mailparse

import "testing"

// RESOLVED reads a root cause from a line of its own or from the end of
// its first line; other commands never have one, and the quoted mail
// below a reply is not read.
func TestResolvedRootCause(t *testing.T) {
	for _, tc := range []struct{ newest, arg, cause string }{
		{"RESOLVED restarted the worker\nRoot cause: outage", "restarted the worker", "outage"},
		{"RESOLVED restarted the worker\n\n**Root cause:** product-bug.", "restarted the worker", "product-bug"},
		{"RESOLVED restarted the worker. Root cause - policy", "restarted the worker", "policy"},
		{"resolved: done\nroot-cause: Training", "done", "Training"},
		{"RESOLVED done\n> Root cause: outage", "done", ""},
		{"RESOLVED the root cause was a typo", "the root cause was a typo", ""},
		{"NOTE checking\nRoot cause: outage", "checking", ""},
	} {
		c := replyCommand(tc.newest, func(string) {})
		if c == nil || c.Argument != tc.arg || c.RootCause != tc.cause {
			t.Errorf("%q: %+v, want argument %q, root cause %q", tc.newest, c, tc.arg, tc.cause)
		}
	}
}
