package activation

import "golang.org/x/sys/unix"

// familyNames name the address families systemd can hand over that gcat
// does not serve.
var familyNames = map[int]string{
	unix.AF_VSOCK:     "a vsock socket",
	unix.AF_NETLINK:   "a netlink socket",
	unix.AF_PACKET:    "a packet socket",
	unix.AF_BLUETOOTH: "a bluetooth socket",
}
