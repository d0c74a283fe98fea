fn main() {
    println!("cargo:rerun-if-changed=c/standin.c");
    cc::Build::new()
        .file("c/standin.c")
        .opt_level(3)
        .flag_if_supported("-march=native")
        .compile("standin");
    println!("cargo:rustc-link-lib=sodium");
}
