//go:build !unix

package activation

import (
	"fmt"
	"os"
)

// Supported says whether this system can take sockets over.
const Supported = false

// Listeners reports ErrUnsupported when a launcher tried to hand sockets
// over, and returns none otherwise: this system has no descriptor passing
// of that kind.
func Listeners(o Options) ([]*Socket, error) {
	handed := false
	for _, v := range envVars {
		if _, ok := os.LookupEnv(v); ok {
			handed = true
			os.Unsetenv(v)
		}
	}
	if handed {
		return nil, fmt.Errorf("socket activation: %w", ErrUnsupported)
	}
	return nil, nil
}

// Inetd reports ErrUnsupported: this system does not hand a service its
// connection as standard input.
func Inetd(o Options) (*Handover, error) {
	return nil, fmt.Errorf("inetd mode: %w", ErrUnsupported)
}
