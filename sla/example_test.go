package sla_test

import (
	"encoding/json"
	"fmt"
	"log"
	"time"

	"escalationd/config"
	"escalationd/sla"
)

// What `escalationd oncall --json --at 2026-12-25T10:00:00-05:00` prints
// with the example config: Blake covers Christmas, and his own week follows.
func ExampleSchedule_OnCall() {
	cfg, err := config.Load("../examples/helpdesk.yaml", config.Options{SkipSecrets: true})
	if err != nil {
		log.Fatal(err)
	}
	s, err := sla.NewSchedule(cfg)
	if err != nil {
		log.Fatal(err)
	}
	at, _ := time.Parse(time.RFC3339, "2026-12-25T10:00:00-05:00")
	shift, err := s.OnCall("", at) // "": the first rotation
	if err != nil {
		log.Fatal(err)
	}
	b, _ := json.Marshal(shift)
	fmt.Println(string(b))
	fmt.Println(shift.Override, shift.Reason)
	// Output:
	// {"name":"Blake Chen","address":"blake.chen@craudiovizai.com","until":"2027-01-04T09:00:00-05:00"}
	// true holiday swap
}
