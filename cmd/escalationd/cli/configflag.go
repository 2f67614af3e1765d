package cli

import (
	"flag"

	"escalationd/app"
)

// configFlag defines --config for a command that needs a config file; it
// defaults to app.DefaultConfigPath, where the unit file expects it. what
// says what the command uses the file for ("" for nothing special).
func configFlag(fs *flag.FlagSet, what string) *string {
	usage := "config `FILE`"
	if what != "" {
		usage += " (" + what + ")"
	}
	return fs.String("config", app.DefaultConfigPath, usage)
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
