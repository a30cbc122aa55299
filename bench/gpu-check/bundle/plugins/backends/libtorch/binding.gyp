{
  "targets": [
    {
      "target_name": "naslab_libtorch",
      "sources": ["native/addon.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/libtorch-paths.mjs include)"
      ],
      "libraries": ["<!@(node scripts/libtorch-paths.mjs libs)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "<!@(node scripts/libtorch-paths.mjs defines)"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14", "-std=c++14"],
      "cflags_cc": ["-std=c++17", "-frtti", "-fexceptions", "-O3", "-Wno-unused-parameter", "-Wno-deprecated-declarations"]
    }
  ]
}
