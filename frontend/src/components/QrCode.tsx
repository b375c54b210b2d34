import { useEffect, useState } from "react";
import QRCode from "qrcode";

/** `value` drawn as a QR code (an image with a text alternative). */
export function QrCode({
  value,
  label,
  size = 192,
}: {
  value: string;
  label: string;
  size?: number;
}) {
  const [dataUrl, setDataUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let current = true;
    QRCode.toDataURL(value, { width: size, margin: 1, errorCorrectionLevel: "M" }).then(
      (url) => {
        if (current) setDataUrl(url);
      },
      () => {
        if (current) setFailed(true);
      },
    );
    return () => {
      current = false;
    };
  }, [value, size]);

  if (failed) return <p className="muted">The QR code could not be drawn; use the link below.</p>;
  if (!dataUrl) return <div className="qr-placeholder" style={{ width: size, height: size }} />;
  return <img className="qr" src={dataUrl} width={size} height={size} alt={label} />;
}
