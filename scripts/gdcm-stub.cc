// Stands in for GDCM (libgdcmMSFF.so.3.0 and libgdcmDSED.so.3.0) under the
// OpenCV binding, as gdal-stub.cc does for GDAL: Debian's
// libopencv_imgcodecs links GDCM for its DICOM decoder, which reads only
// files that carry DICOM's "DICM" signature, and videoflow decodes only the
// JPEGs it encoded itself. Loading GDCM ran its static initialisers (its
// whole DICOM data dictionary) and linked 11 libraries: 22 of the 37 ms of
// CPU that core, imgproc and imgcodecs took to load, at every process's
// start.
//
// scripts/setup-native.js builds this once under each GDCM name imgcodecs
// asks for and makes them the binding's own dependencies. Each function
// imgcodecs imports is here with the same C++ name; none is reached unless a
// DICOM file is decoded, and then it stops the process with a message.
#include <cstdio>
#include <cstdlib>

[[noreturn]] static void unsupported(const char* what) {
  std::fprintf(stderr, "videoflow: %s called, but GDCM is not installed (scripts/gdcm-stub.cc)\n", what);
  std::abort();
}

namespace gdcm {
class PhotometricInterpretation;
class Image;
class Reader {
 public:
  void SetFileName(const char*);
};
class ImageReader {
 public:
  ImageReader();
  ~ImageReader();
  bool Read();
  Image& GetImage();
};
class PixelFormat {
 public:
  int GetScalarType() const;
};
class Bitmap {
 public:
  const unsigned int* GetDimensions() const;
  unsigned long GetBufferLength() const;
  unsigned int GetNumberOfDimensions() const;
  const PhotometricInterpretation& GetPhotometricInterpretation() const;
  bool GetBuffer(char*) const;
};

void Reader::SetFileName(const char*) { unsupported("gdcm::Reader::SetFileName"); }
ImageReader::ImageReader() { unsupported("gdcm::ImageReader::ImageReader"); }
ImageReader::~ImageReader() { unsupported("gdcm::ImageReader::~ImageReader"); }
bool ImageReader::Read() { unsupported("gdcm::ImageReader::Read"); }
Image& ImageReader::GetImage() { unsupported("gdcm::ImageReader::GetImage"); }
int PixelFormat::GetScalarType() const { unsupported("gdcm::PixelFormat::GetScalarType"); }
const unsigned int* Bitmap::GetDimensions() const { unsupported("gdcm::Bitmap::GetDimensions"); }
unsigned long Bitmap::GetBufferLength() const { unsupported("gdcm::Bitmap::GetBufferLength"); }
unsigned int Bitmap::GetNumberOfDimensions() const { unsupported("gdcm::Bitmap::GetNumberOfDimensions"); }
const PhotometricInterpretation& Bitmap::GetPhotometricInterpretation() const {
  unsupported("gdcm::Bitmap::GetPhotometricInterpretation");
}
bool Bitmap::GetBuffer(char*) const { unsupported("gdcm::Bitmap::GetBuffer"); }
}  // namespace gdcm
