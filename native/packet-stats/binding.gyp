{
  "targets": [
    {
      "target_name": "packet_stats",
      "sources": ["src/packet_stats.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
