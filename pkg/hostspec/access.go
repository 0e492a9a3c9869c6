package hostspec

import "net/netip"

// Access is ncat's connection policy for a listener. The zero Access admits
// everyone.
//
// Deny wins over allow. ncat's man page says the opposite ("In case of a
// conflict between --allow and --deny, --allow takes precedence"), but its
// code rejects a peer in the deny set whatever the allow set holds, and we
// follow the code. Measured with Debian's ncat 7.93 on loopback (see
// TestAccessMatchesNcat):
//
//	--allow 127.0.0.1 --deny 127.0.0.1        peer 127.0.0.1 refused
//	--allow 127.0.0.0/8 --deny 127.0.0.2      127.0.0.2 refused, 127.0.0.3 admitted
//	--allow 127.0.0.2 --deny 127.0.0.0/8      127.0.0.2 refused
//	--allow '' (or an empty --allowfile)      everyone refused
//	an empty --denyfile                       everyone admitted
//	a file with one bad spec                  ncat quits: "error in hosts file"
type Access struct {
	// Allow, if non-nil, is the only set of peers admitted. An empty
	// non-nil List admits nobody.
	Allow *List

	// Deny is the set of peers refused, even those in Allow.
	Deny *List
}

// Admit reports whether a peer at addr may connect. A peer without an IP
// address (the zero Addr) is refused when there is an allow list.
func (a Access) Admit(addr netip.Addr) bool {
	if a.Allow != nil && !a.Allow.Match(addr) {
		return false
	}
	return !a.Deny.Match(addr)
}
