{
  "targets": [
    {
      "target_name": "posix_spawn",
      "sources": ["posix-spawn.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
