// Package jssdk holds a test that runs CometChat's official JavaScript SDK against the emulator
// (jssdk_test.go, interop.js). It proves the emulator serves the real protocol to a client other
// than this module's SDK. It needs Node.js and `npm ci` in this directory; .ci/run does both.
package jssdk
