package engine

import (
	"testing"

	"escalationd/mailparse"
	"escalationd/vocab"
)

// The parser and the engine speak one command vocabulary: every command the
// parser can read has a handler here, so none is silently dropped.
func TestParserAndEngineAgreeOnCommands(t *testing.T) {
	for _, c := range vocab.Commands {
		if _, ok := commandHandlers[c]; !ok {
			t.Errorf("the engine has no handler for reply command %s", c)
		}
		raw := "From: sam@craudiovizai.com\r\nTo: escalations@craudiovizai.com\r\nSubject: Re: ESCALATION: [TCK-1]\r\n" +
			"In-Reply-To: <escalationd.1.routed.ab@craudiovizai.com>\r\nMessage-ID: <r1@mail.example>\r\n\r\n" + string(c) + " high\r\n"
		res := mailparse.Parse([]byte(raw), mailparse.Options{GatewayDomain: "craudiovizai.com"})
		if res.Command == nil || res.Command.Name != c {
			t.Errorf("the parser reads %q as %+v, want command %s", string(c)+" high", res.Command, c)
		}
	}
	for c := range commandHandlers {
		if _, ok := vocab.ParseCommand(string(c)); !ok {
			t.Errorf("the engine handles %s, which is no command of the vocabulary", c)
		}
	}
}
