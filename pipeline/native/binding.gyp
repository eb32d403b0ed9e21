{
  "targets": [
    {
      "target_name": "processes",
      "sources": ["processes.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
