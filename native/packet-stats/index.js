'use strict';
// The addon exists only for Linux (AF_PACKET, PACKET_STATISTICS): say so elsewhere rather
// than fail on a missing file.
if (process.platform !== 'linux') {
  throw new Error(`vim-analyse-packet-stats: AF_PACKET statistics exist only on Linux (this is ${process.platform})`);
}
module.exports = require('./build/Release/packet_stats.node');
