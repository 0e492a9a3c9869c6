package activation

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

const ourPid = 4242

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func TestParseEnv(t *testing.T) {
	pid := fmt.Sprint(ourPid)
	tests := []struct {
		name    string
		env     map[string]string
		want    []handed
		wantVar string // the *EnvError's variable, if an error is wanted
	}{
		{"nothing", nil, nil, ""},
		{"one fd", map[string]string{"LISTEN_PID": pid, "LISTEN_FDS": "1"},
			[]handed{{fd: 3}}, ""},
		{"three named", map[string]string{"LISTEN_PID": pid, "LISTEN_FDS": "3", "LISTEN_FDNAMES": "web:admin:"},
			[]handed{{3, "web"}, {4, "admin"}, {5, ""}}, ""},
		{"another process's", map[string]string{"LISTEN_PID": "1", "LISTEN_FDS": "2"}, nil, ""},
		{"no LISTEN_PID", map[string]string{"LISTEN_FDS": "2"}, nil, ""},
		{"no LISTEN_FDS", map[string]string{"LISTEN_PID": pid}, nil, ""},
		{"bad pid", map[string]string{"LISTEN_PID": "me", "LISTEN_FDS": "1"}, nil, "LISTEN_PID"},
		{"zero pid", map[string]string{"LISTEN_PID": "0", "LISTEN_FDS": "1"}, nil, "LISTEN_PID"},
		{"bad count", map[string]string{"LISTEN_PID": pid, "LISTEN_FDS": "two"}, nil, "LISTEN_FDS"},
		{"zero count", map[string]string{"LISTEN_PID": pid, "LISTEN_FDS": "0"}, nil, "LISTEN_FDS"},
		{"huge count", map[string]string{"LISTEN_PID": pid, "LISTEN_FDS": "2000000000"}, nil, "LISTEN_FDS"},
		{"names short", map[string]string{"LISTEN_PID": pid, "LISTEN_FDS": "2", "LISTEN_FDNAMES": "web"}, nil, "LISTEN_FDNAMES"},
		{"upstart", map[string]string{"UPSTART_FDS": "7", "UPSTART_EVENTS": "socket"},
			[]handed{{fd: 7}}, ""},
		{"upstart among events", map[string]string{"UPSTART_FDS": "3", "UPSTART_EVENTS": "startup socket"},
			[]handed{{fd: 3}}, ""},
		{"upstart without socket event", map[string]string{"UPSTART_FDS": "3", "UPSTART_EVENTS": "startup"}, nil, ""},
		{"upstart bad fd", map[string]string{"UPSTART_FDS": "x", "UPSTART_EVENTS": "socket"}, nil, "UPSTART_FDS"},
		{"upstart stdio", map[string]string{"UPSTART_FDS": "0", "UPSTART_EVENTS": "socket"}, nil, "UPSTART_FDS"},
		{"both, same fd once", map[string]string{"LISTEN_PID": pid, "LISTEN_FDS": "1", "LISTEN_FDNAMES": "web",
			"UPSTART_FDS": "3", "UPSTART_EVENTS": "socket"}, []handed{{3, "web"}}, ""},
		{"both, different fds", map[string]string{"LISTEN_PID": pid, "LISTEN_FDS": "2",
			"UPSTART_FDS": "9", "UPSTART_EVENTS": "socket"}, []handed{{fd: 3}, {fd: 4}, {fd: 9}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEnv(lookupIn(tt.env), ourPid)
			if tt.wantVar != "" {
				var ee *EnvError
				if !errors.As(err, &ee) || ee.Var != tt.wantVar {
					t.Fatalf("parseEnv = %v, %v; want an *EnvError for %s", got, err, tt.wantVar)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parseEnv = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestEnvErrorText(t *testing.T) {
	_, err := parseEnv(lookupIn(map[string]string{"LISTEN_PID": "1", "LISTEN_FDS": "1"}), 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = parseEnv(lookupIn(map[string]string{"LISTEN_PID": "1", "LISTEN_FDS": "x"}), 1)
	if got, want := err.Error(), `LISTEN_FDS="x": not a number`; got != want {
		t.Fatalf("error = %q, want %q", got, want)
	}
}

func TestErrUnsupportedIsErrorsErrUnsupported(t *testing.T) {
	err := fmt.Errorf("inetd mode: %w", ErrUnsupported)
	if !errors.Is(err, errors.ErrUnsupported) || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("%v does not match errors.ErrUnsupported and ErrUnsupported", err)
	}
}

// FuzzParseEnv checks that any values give descriptors from 3 up, each
// once and in order, or an *EnvError: never a panic, a standard stream or
// a huge list.
func FuzzParseEnv(f *testing.F) {
	f.Add("4242", "2", "a:b", true, "3", "socket")
	f.Add("4242", "1", "", false, "9", "startup socket")
	f.Add("-1", "99999999999999999999", "::", true, "-3", "")
	f.Fuzz(func(t *testing.T, pid, fds, names string, haveNames bool, upFD, upEvents string) {
		env := map[string]string{"LISTEN_PID": pid, "LISTEN_FDS": fds, "UPSTART_FDS": upFD, "UPSTART_EVENTS": upEvents}
		if haveNames {
			env["LISTEN_FDNAMES"] = names
		}
		got, err := parseEnv(lookupIn(env), ourPid)
		if err != nil {
			var ee *EnvError
			if !errors.As(err, &ee) || got != nil {
				t.Fatalf("parseEnv = %v, %v; want nil and an *EnvError", got, err)
			}
			return
		}
		if len(got) > maxListenFDs+1 {
			t.Fatalf("%d descriptors", len(got))
		}
		for i, h := range got {
			if h.fd < 3 || i > 0 && h.fd <= got[i-1].fd {
				t.Fatalf("descriptors %v: a standard stream, or not in increasing order", got)
			}
		}
	})
}
