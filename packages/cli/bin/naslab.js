#!/usr/bin/env node
// The `naslab` command: committed (and executable) so that npm links it at install time, before
// anything is built; it runs the built entry.
import '../dist/main.js';
