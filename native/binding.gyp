{
  "targets": [
    {
      "target_name": "vigil_native",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/object.cc",
        "src/map.cc",
        "src/link.cc",
        "src/ringbuf.cc",
        "src/probing.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers"],
      "libraries": ["-lbpf", "-lelf", "-lz"]
    }
  ]
}
