// Stands in for GDAL (libgdal.so.32) under the OpenCV binding: Debian's
// libopencv_imgcodecs links GDAL for one image decoder, used only when an
// image is read with IMREAD_LOAD_GDAL, which videoflow never does (it encodes
// JPEGs and reads none). Loading the real GDAL and the ~90 libraries it
// links took 45 of the binding's 68 ms of CPU at every process's start, and
// its packages a large part of the image.
//
// scripts/setup-native.js builds this next to the binding and makes it the
// binding's own dependency, so the loader, resolving libgdal.so.32 for
// imgcodecs, finds it already loaded. Each function imgcodecs imports is
// here with the same (C or C++) name; GDALOpen opens nothing, so imgcodecs'
// GDAL decoder declines every file, and the rest stop the process with a
// message if ever reached.
#include <cstdio>
#include <cstdlib>

[[noreturn]] static void unsupported(const char* what) {
  std::fprintf(stderr, "videoflow: %s called, but GDAL is not installed (scripts/gdal-stub.cc)\n", what);
  std::abort();
}

extern "C" {
void GDALAllRegister(void) {}
void* GDALOpen(const char*, int) { return nullptr; }
void GDALClose(void*) {}
const char* GDALGetDataTypeName(int) { return "Unknown"; }
}

enum GDALRWFlag : int {};
enum GDALDataType : int {};
struct GDALRasterIOExtraArg;
struct GDALColorEntry;

class GDALRasterBand {
 public:
  GDALDataType GetRasterDataType();
  int GetXSize();
  int GetYSize();
  int RasterIO(GDALRWFlag, int, int, int, int, void*, int, int, GDALDataType, long long, long long, GDALRasterIOExtraArg*);
};
class GDALDataset {
 public:
  GDALRasterBand* GetRasterBand(int);
  int GetRasterCount();
  int GetRasterXSize();
  int GetRasterYSize();
};
class GDALColorTable {
 public:
  const GDALColorEntry* GetColorEntry(int) const;
  int GetPaletteInterpretation() const;
};

GDALDataType GDALRasterBand::GetRasterDataType() { unsupported("GDALRasterBand::GetRasterDataType"); }
int GDALRasterBand::GetXSize() { unsupported("GDALRasterBand::GetXSize"); }
int GDALRasterBand::GetYSize() { unsupported("GDALRasterBand::GetYSize"); }
int GDALRasterBand::RasterIO(GDALRWFlag, int, int, int, int, void*, int, int, GDALDataType, long long, long long, GDALRasterIOExtraArg*) {
  unsupported("GDALRasterBand::RasterIO");
}
GDALRasterBand* GDALDataset::GetRasterBand(int) { unsupported("GDALDataset::GetRasterBand"); }
int GDALDataset::GetRasterCount() { unsupported("GDALDataset::GetRasterCount"); }
int GDALDataset::GetRasterXSize() { unsupported("GDALDataset::GetRasterXSize"); }
int GDALDataset::GetRasterYSize() { unsupported("GDALDataset::GetRasterYSize"); }
const GDALColorEntry* GDALColorTable::GetColorEntry(int) const { unsupported("GDALColorTable::GetColorEntry"); }
int GDALColorTable::GetPaletteInterpretation() const { unsupported("GDALColorTable::GetPaletteInterpretation"); }
