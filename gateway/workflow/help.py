"""BANTUAN: the command reference with examples, sent on request and in error receipts."""

from __future__ import annotations

HELP = """\
Perintah ditulis di baris paling atas balasan (huruf besar atau kecil sama saja).
Teks yang dikutip dari email sebelumnya dan tanda tangan tidak dibaca.

DISPOSISI <tujuan>            (juga: TERUSKAN, FORWARD)
  Tujuan: kode jabatan (kabag.umum), nama jabatan (Kepala Bagian Umum) atau nama
  pejabat; beberapa tujuan dipisah koma. Hanya ke jabatan di bawah jabatan Anda.
  Baris berikutnya boleh berisi:
    INSTRUKSI: siapkan jawaban, koordinasikan
    BATAS: 12-01-2027   (atau: 12 Januari 2027, 3 hari, 3 hari kerja, besok)
    CATATAN: mohon dibahas besok pagi
  Contoh:
    DISPOSISI kabag.umum, kasubbag.tu
    INSTRUKSI: siapkan jawaban
    BATAS: 3 hari kerja

SELESAI [catatan]             (juga: DONE)
  Menutup disposisi Anda; lampiran balasan menjadi berkas tindak lanjut.
  Contoh: SELESAI laporan terlampir

TANGGAPAN <teks>              (juga: REPLY)
  Mengirim tanggapan kepada pemberi disposisi.
  Contoh: TANGGAPAN usul kami hadir pada rapat tersebut

TERIMA                        (juga: ACK)   tanda sudah dibaca
TOLAK <alasan>                (juga: REJECT) mengembalikan disposisi yang salah alamat
BATAL [tujuan]                (juga: CANCEL) membatalkan disposisi Anda yang belum dibaca
STATUS                        keadaan surat dan riwayatnya
BANTUAN                       (juga: HELP)  daftar ini
KONFIRMASI                    (juga: CONFIRM) menjalankan perintah yang menunggu
  konfirmasi; hanya sebagai balasan atas email "Konfirmasi perintah" dari kami.

Balasan tanpa perintah dicatat sebagai komentar dan diteruskan kepada pemberi disposisi.
"""
