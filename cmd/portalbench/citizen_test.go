package main

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

func TestArrivalsWatch(t *testing.T) {
	events := strings.Join([]string{
		": connected", "retry: 3000", "",
		"event: pending",
		`data: <ul><li data-request-id="aaa">A</li>`,
		`data: <li data-request-id="bbb">B</li></ul>`, "",
		"event: unread", `data: <span data-request-id="zzz">not a pending list</span>`, "",
		"event: request-ccc", "data: <div>panel</div>", "",
		": heartbeat", "",
	}, "\n") + "\n"
	a := &arrivals{at: map[string]time.Time{}}
	a.watch(&stream{br: bufio.NewReader(strings.NewReader(events))})
	for _, id := range []string{"aaa", "bbb", "ccc"} {
		if _, ok := a.at[id]; !ok {
			t.Errorf("request %s not seen", id)
		}
	}
	if _, ok := a.at["zzz"]; ok || len(a.at) != 3 {
		t.Errorf("seen %v, want aaa, bbb and ccc only", a.at)
	}
}

func TestJSONID(t *testing.T) {
	if got := jsonID([]byte(`{"id":"4157ab","status":"pending"}`)); got != "4157ab" {
		t.Errorf("jsonID = %q", got)
	}
	if got := jsonID([]byte(`{"status":"pending"}`)); got != "" {
		t.Errorf("jsonID without id = %q", got)
	}
}
