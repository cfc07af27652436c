fn main() {
    // Links the addon so that Node's N-API symbols resolve when it loads.
    napi_build::setup();
}
