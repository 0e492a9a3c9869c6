//go:build unix && !linux

package activation

// familyNames name the address families gcat does not serve; here the
// number has to do.
var familyNames = map[int]string{}
